package io.lockd.transport;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.paxos.Message;
import io.lockd.proto.peer.v1.HelloReply;
import io.lockd.proto.peer.v1.HelloRequest;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PeerServiceGrpc;
import io.lockd.proto.peer.v1.StreamSummary;
import java.util.function.IntConsumer;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of peer streams. Runs behind {@link PeerHandshake}, which has already checked
 * the cell and established who the sender is; a stream is then registered as that sender's only one
 * ({@link InboundPeers}), and each envelope is decoded, checked against that sender, and handed on.
 * A malformed or misaddressed envelope is dropped with a rate-limited log line: the stream stays
 * open, so that one bad message from a buggy peer costs that message only, and a forger sending
 * them in a loop cannot flood the log.
 */
final class InboundStreamService extends PeerServiceGrpc.PeerServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(InboundStreamService.class);

  private final int selfId;
  private final ObjIntConsumer<Message> deliver;
  private final IntConsumer lost;
  private final InboundPeers connected;
  private final LogLimiter refusals = new LogLimiter(10_000);

  /**
   * @param deliver given each decoded message and the size of its envelope in bytes
   * @param lost told the sender's id when its stream breaks (not when it ends cleanly)
   */
  InboundStreamService(
      int selfId, ObjIntConsumer<Message> deliver, IntConsumer lost, InboundPeers connected) {
    this.selfId = selfId;
    this.deliver = deliver;
    this.lost = lost;
    this.connected = connected;
  }

  /** The handshake interceptor has already accepted the caller; saying so is all that is left. */
  @Override
  public void hello(HelloRequest request, StreamObserver<HelloReply> reply) {
    reply.onNext(HelloReply.getDefaultInstance());
    reply.onCompleted();
  }

  @Override
  public StreamObserver<PeerEnvelope> stream(StreamObserver<StreamSummary> summary) {
    Inbound inbound = new Inbound(PeerHandshake.SENDER.get(), summary);
    Status claim = connected.claim(inbound.sender, inbound);
    if (!claim.isOk()) {
      inbound.end(claim);
      if (refusals.allow("second stream from " + inbound.sender) >= 0) {
        log.warn(
            "replica {} refused a second stream from peer {}: {}",
            selfId,
            inbound.sender,
            claim.getDescription());
      }
    }
    return inbound;
  }

  /**
   * One peer's stream. gRPC calls its observer methods serially; {@link #replace} may come from
   * another stream's thread, hence the volatile fields and the lock around ending it.
   */
  private final class Inbound implements StreamObserver<PeerEnvelope>, InboundPeers.Stream {
    private final int sender;
    private final StreamObserver<StreamSummary> summary;
    private volatile long lastHeardNanos = System.nanoTime();
    private long received;
    private volatile boolean ended;

    Inbound(int sender, StreamObserver<StreamSummary> summary) {
      this.sender = sender;
      this.summary = summary;
    }

    @Override
    public long lastHeardNanos() {
      return lastHeardNanos;
    }

    @Override
    public void replace(Status why) {
      log.info(
          "replica {}: stream from peer {} replaced: {}", selfId, sender, why.getDescription());
      end(why);
    }

    synchronized void end(Status why) {
      if (ended) {
        return;
      }
      ended = true;
      try {
        summary.onError(why.asException());
      } catch (RuntimeException e) {
        log.debug(
            "replica {}: stream from peer {} already closed: {}", selfId, sender, e.toString());
      }
    }

    @Override
    public void onNext(PeerEnvelope env) {
      if (ended) {
        return;
      }
      Message m;
      try {
        m = decode(env);
      } catch (MalformedMessageException e) {
        long heldBack = refusals.allow("peer " + sender);
        if (heldBack >= 0) {
          log.warn(
              "replica {} dropped a malformed envelope from peer {}: {}{}",
              selfId,
              sender,
              e.getMessage(),
              heldBack > 0 ? " (and " + heldBack + " more since the last such" + " line)" : "");
        }
        return;
      }
      lastHeardNanos = System.nanoTime();
      received++;
      deliver.accept(m, env.getSerializedSize());
    }

    private Message decode(PeerEnvelope env) {
      if (env.getFrom() != sender || env.getTo() != selfId) {
        throw new MalformedMessageException(
            String.format(
                "envelope %d->%d on the stream from replica %d to replica %d",
                env.getFrom(), env.getTo(), sender, selfId));
      }
      return PeerMessageCodec.decode(env);
    }

    @Override
    public void onError(Throwable t) {
      // The sender went away or cancelled; it redials on its own, nothing to answer.
      log.debug(
          "replica {}: stream from peer {} ended: {}", selfId, sender, Status.fromThrowable(t));
      connected.release(sender, this);
      if (!ended) {
        lost.accept(sender);
      }
    }

    @Override
    public void onCompleted() {
      connected.release(sender, this);
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      summary.onNext(StreamSummary.newBuilder().setReceived(received).build());
      summary.onCompleted();
    }
  }
}
