package io.lockd.transport;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.lockd.paxos.Ready;
import io.lockd.proto.peer.v1.HelloReply;
import io.lockd.proto.peer.v1.HelloRequest;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PeerServiceGrpc;
import io.lockd.proto.peer.v1.StreamSummary;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound path to one peer: a bounded queue feeding one client stream over one channel.
 *
 * <p>{@link #send} only enqueues, so the caller never waits on the network. The queue is drained
 * onto the stream only while gRPC reports the stream ready, so a slow peer fills this queue (where
 * it is bounded and sends are then dropped) rather than gRPC's unbounded internal buffers. When the
 * stream fails, the queued messages are dropped, since by the time a new stream opens they are
 * probably stale and Paxos resends what still matters, and a new stream is dialled after a capped
 * exponential backoff. Each attempt starts with a Hello, so that the link counts as connected only
 * once the peer has accepted the handshake.
 *
 * <p>Threads: {@code send} may be called from any thread. Everything else (call callbacks,
 * draining, redial timers) runs on {@code executor}, and the stream itself, which gRPC does not
 * make thread-safe, is only touched under this object's lock.
 */
final class PeerLink {
  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

  /** Refusals that redialling soon cannot fix; the link then waits the longest backoff. */
  private static final Set<Status.Code> REFUSALS =
      EnumSet.of(
          Status.Code.FAILED_PRECONDITION,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.PERMISSION_DENIED,
          Status.Code.UNAUTHENTICATED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.RESOURCE_EXHAUSTED);

  private final int selfId;
  private final int peerId;
  private final String address;
  private final ManagedChannel channel;
  private final PeerServiceGrpc.PeerServiceStub stub;
  private final long handshakeTimeoutMillis;
  private final ScheduledExecutorService executor;
  private final SendQueue queue;
  private final PeerCounters counters;
  private final Backoff backoff;
  private final AtomicBoolean drainPending = new AtomicBoolean();
  private final Runnable onLost;

  // Guarded by this.
  private Attempt current;
  private SnapshotPump snapshot; // sent whenever nothing else waits; dropped with the stream
  private boolean connected;
  private boolean closed;
  private ScheduledFuture<?> redial;
  private String lastFailure = "";

  PeerLink(
      Metadata handshake,
      int selfId,
      int peerId,
      String address,
      ManagedChannel channel,
      ScheduledExecutorService executor,
      TransportLimits limits,
      PeerCounters counters,
      Runnable onLost) {
    this.onLost = onLost;
    this.selfId = selfId;
    this.peerId = peerId;
    this.address = address;
    this.channel = channel;
    this.stub =
        PeerServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(handshake));
    this.handshakeTimeoutMillis = limits.handshakeTimeoutMillis();
    this.executor = executor;
    this.queue = new SendQueue(limits.maxQueueMessages(), limits.maxQueueBytes());
    this.counters = counters;
    this.backoff = new Backoff(limits.backoffInitialMillis(), limits.backoffMaxMillis());
  }

  /** Dials the peer now, so that the stream is likely open before the first message. */
  void open() {
    executor.execute(this::dial);
  }

  /**
   * Writes {@code env} onto the stream at once when it can take it and nothing is queued before it
   * (the common case: one thread hand-off less per message), else queues it, or drops and counts it
   * if the queue is full.
   */
  void send(PeerEnvelope env) {
    synchronized (this) {
      if (current != null && queue.size() == 0 && current.offerDirect(env)) {
        return;
      }
    }
    if (!queue.offer(env)) {
      counters.dropped(1);
      return;
    }
    scheduleDrain();
  }

  /**
   * Starts streaming a snapshot to the peer, unless the same one is already on its way (the peer
   * asks again every retransmit interval until its first chunk arrives). A different snapshot
   * replaces the one under way. Without an open stream the transfer is dropped: the peer asks again
   * once it stops receiving.
   */
  void sendSnapshot(Ready.SnapshotTransfer transfer) {
    synchronized (this) {
      if (current == null || closed) {
        counters.dropped(1);
        return;
      }
      if (snapshot != null && snapshot.sameSnapshotAs(transfer)) {
        return;
      }
      snapshot = new SnapshotPump(transfer);
    }
    scheduleDrain();
  }

  private void scheduleDrain() {
    if (drainPending.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // The transport is closing; close() counts what is left in the queue as dropped.
        drainPending.set(false);
      }
    }
  }

  synchronized boolean connected() {
    return connected;
  }

  synchronized String lastFailure() {
    return lastFailure;
  }

  /**
   * Half-closes the stream, so that what was already written still arrives, drops what is queued,
   * and starts an orderly shutdown of the channel. Returns without waiting; see {@link #channel()}.
   */
  void close() {
    synchronized (this) {
      closed = true;
      connected = false;
      if (redial != null) {
        redial.cancel(false);
      }
      counters.dropped(queue.clear());
      snapshot = null;
      if (current != null) {
        current.halfClose();
        current = null;
      }
    }
    channel.shutdown();
  }

  ManagedChannel channel() {
    return channel;
  }

  private void drain() {
    drainPending.set(false);
    synchronized (this) {
      if (current != null) {
        current.drain();
      }
    }
  }

  private synchronized void dial() {
    redial = null;
    if (closed) {
      return;
    }
    // The channel keeps its own reconnect backoff, which grows to minutes; the link's backoff is
    // the one that should decide when to try again, so clear the channel's before each attempt.
    channel.resetConnectBackoff();
    Attempt attempt = new Attempt();
    current = attempt;
    stub.withDeadlineAfter(handshakeTimeoutMillis, TimeUnit.MILLISECONDS)
        .hello(HelloRequest.getDefaultInstance(), attempt.hello);
  }

  private synchronized void onAccepted(Attempt attempt) {
    if (attempt != current || closed) {
      return;
    }
    connected = true;
    backoff.reset();
    lastFailure = "";
    log.info("replica {}: stream to peer {} at {} is open", selfId, peerId, address);
    stub.stream(attempt);
  }

  private synchronized void onReady(Attempt attempt) {
    if (attempt == current) {
      attempt.drain();
    }
  }

  private synchronized void onEnded(Attempt attempt, Status status) {
    if (attempt != current || closed) {
      return;
    }
    current = null;
    boolean wasConnected = connected;
    connected = false;
    counters.dropped(queue.clear());
    snapshot = null; // the peer's half of it is gone with the stream; it asks again
    boolean refused = REFUSALS.contains(status.getCode());
    if (refused) {
      backoff.toMax();
    }
    long delayMillis = backoff.nextDelayMillis();
    String failure = describe(status);
    logFailure(wasConnected, failure, refused);
    lastFailure = failure;
    redial = executor.schedule(this::dial, delayMillis, TimeUnit.MILLISECONDS);
    onLost.run();
  }

  /** Logs only changes: a lost connection, or a different reason for not having one. */
  private void logFailure(boolean wasConnected, String failure, boolean refused) {
    if (refused && !failure.equals(lastFailure)) {
      log.warn(
          "replica {}: peer {} at {} refused the stream: {}", selfId, peerId, address, failure);
    } else if (wasConnected) {
      log.info("replica {}: lost stream to peer {} at {}: {}", selfId, peerId, address, failure);
    } else if (!failure.equals(lastFailure)) {
      log.info("replica {}: cannot reach peer {} at {}: {}", selfId, peerId, address, failure);
    } else {
      log.debug("replica {}: still cannot reach peer {}: {}", selfId, peerId, failure);
    }
  }

  private static String describe(Status status) {
    StringBuilder s = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      s.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      s.append(" (").append(status.getCause().getMessage());
      // A TLS failure's reason (say, a peer certificate naming another replica) is the innermost
      // cause; the outer ones only say that the handshake failed.
      Throwable inner = status.getCause();
      for (int depth = 0; inner.getCause() != null && depth < 8; depth++) {
        inner = inner.getCause();
      }
      if (inner != status.getCause() && inner.getMessage() != null) {
        s.append(": ").append(inner.getMessage());
      }
      s.append(')');
    }
    return s.toString();
  }

  /**
   * One attempt to reach the peer: a Hello, then, once the peer accepts it, a stream. Callbacks
   * from an attempt that is no longer current are ignored.
   */
  private final class Attempt implements ClientResponseObserver<PeerEnvelope, StreamSummary> {
    /** Set once the stream is started; null while the Hello is in flight. */
    private ClientCallStreamObserver<PeerEnvelope> requests;

    final StreamObserver<HelloReply> hello =
        new StreamObserver<>() {
          @Override
          public void onNext(HelloReply reply) {}

          @Override
          public void onError(Throwable t) {
            onEnded(Attempt.this, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            onAccepted(Attempt.this);
          }
        };

    @Override
    public void beforeStart(ClientCallStreamObserver<PeerEnvelope> requests) {
      this.requests = requests;
      // gRPC runs this each time the stream turns writable again: the signal to resume draining.
      requests.setOnReadyHandler(() -> onReady(this));
    }

    /**
     * Writes {@code env} if the stream is open and ready; false if it must wait. Holds the lock.
     */
    boolean offerDirect(PeerEnvelope env) {
      if (requests == null || !requests.isReady()) {
        return false;
      }
      requests.onNext(env);
      counters.sent(env.getSerializedSize());
      return true;
    }

    /**
     * Writes queued envelopes, then the next chunks of a snapshot under way, while the stream can
     * take them without buffering. Holds the lock.
     */
    void drain() {
      if (requests == null) {
        return;
      }
      while (requests.isReady()) {
        PeerEnvelope env = queue.poll();
        if (env == null && snapshot != null) {
          env = snapshot.next();
          if (snapshot.done()) {
            snapshot = null;
          }
        }
        if (env == null) {
          return;
        }
        requests.onNext(env);
        counters.sent(env.getSerializedSize());
      }
    }

    void halfClose() {
      if (requests == null) {
        return;
      }
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // The call already ended; there is nothing left to close.
        log.debug("replica {}: half-close of stream to peer {} failed", selfId, peerId, e);
      }
    }

    @Override
    public void onNext(StreamSummary summary) {
      log.debug("replica {}: peer {} received {} messages", selfId, peerId, summary.getReceived());
    }

    @Override
    public void onError(Throwable t) {
      onEnded(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      onEnded(this, Status.UNAVAILABLE.withDescription("peer ended the stream"));
    }
  }
}
