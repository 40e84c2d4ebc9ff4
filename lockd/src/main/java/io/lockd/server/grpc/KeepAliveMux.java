package io.lockd.server.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.server.CellServer;
import io.lockd.server.EventSink;
import io.lockd.server.KeepAliveStream;
import io.lockd.server.ServerError;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Session.KeepAlives call: many sessions' KeepAlive streams carried on one gRPC stream. Each
 * session named in a batch gets a {@link KeepAliveStream} of its own on the replica's loop, whose
 * sink ({@link Inner}) adds its responses and its ending to the message this call sends next; so
 * the loop's rules for a session's stream are the same whichever way it arrived.
 *
 * <p>Why: a leader with 100,000 sessions renewing every third of a 12 s lease gets 25,000
 * KeepAlives a second. As one message each (on a stream each) they cost it about 22 µs of CPU
 * apiece and their clients more, which on a 2-core machine cost the leader its lease (docs/
 * benchmarks.md, "Scale"). In batches the per-message costs are paid once per batch.
 *
 * <p>Threads: batches arrive on gRPC's threads, one at a time for this call, and wait in {@link
 * #queue}; one loop task at a time serves them, a bounded slice per turn ({@link #serveSome}). So a
 * stream never has more than one task in the loop's queue, and openings are not admitted one by one
 * as KeepAlive streams are: with per-session admission, a leader change with 100,000 sessions
 * batched on four streams ended in 1.5 million BUSY refusals, each retried, and 98,849 sessions
 * expired (docs/benchmarks.md, "Scale"). The loop adds responses to {@link #pending} and sends them
 * at the end of the task that served a slice, or in a task of its own for pushes; every send is
 * serialized by this object's monitor.
 */
final class KeepAliveMux implements StreamObserver<KeepAliveBatch> {
  /** Requests one batch may hold. */
  static final int MAX_REQUESTS_PER_BATCH = 1_000;

  /** Requests served per turn of the loop before the rest wait for the next (see serveSome). */
  static final int REQUESTS_PER_TURN = 2_000;

  /** Requests one stream may have waiting to be served; beyond, it ends RESOURCE_EXHAUSTED. */
  static final int MAX_QUEUED_REQUESTS = 200_000;

  private final CellGateway gateway;
  private final int selfId;
  private final String caller;
  private final OutboundStream<KeepAliveBatchResponse> out;

  /** Batches received and not yet served, oldest first; guarded by itself. */
  private final ArrayDeque<KeepAliveBatch> queue = new ArrayDeque<>();

  private int queuedRequests; // guarded by queue
  private boolean serving; // a serveSome task is queued or running; guarded by queue

  // Loop thread only.
  private final Map<Long, KeepAliveStream> streams = new HashMap<>();
  private KeepAliveBatchResponse.Builder pending = KeepAliveBatchResponse.newBuilder();
  private boolean flushQueued;
  private boolean inBatch; // answering a batch: its task sends what it gathered at its end

  KeepAliveMux(
      CellGateway gateway,
      int selfId,
      String caller,
      ServerCallStreamObserver<KeepAliveBatchResponse> call) {
    this.gateway = gateway;
    this.selfId = selfId;
    this.caller = caller;
    this.out = new OutboundStream<>(call);
    call.setOnReadyHandler(
        () -> {
          if (out.takeWaiting()) {
            gateway.submit(cell -> List.copyOf(streams.values()).forEach(KeepAliveStream::onReady));
          }
        });
    call.setOnCancelHandler(
        () -> {
          out.markClosed();
          gateway.submit(cell -> forgetAll());
        });
  }

  @Override
  public void onNext(KeepAliveBatch batch) {
    if (batch.getRequestsCount() > MAX_REQUESTS_PER_BATCH) {
      end(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "a KeepAliveBatch holds at most "
                      + MAX_REQUESTS_PER_BATCH
                      + " requests; this one has "
                      + batch.getRequestsCount())
              .asRuntimeException());
      return;
    }
    boolean over;
    boolean start = false;
    synchronized (queue) {
      over = queuedRequests + batch.getRequestsCount() > MAX_QUEUED_REQUESTS;
      if (!over) {
        queue.addLast(batch);
        queuedRequests += batch.getRequestsCount();
        start = !serving;
        serving = true;
      }
    }
    if (over) {
      // The client sends faster than the leader serves: say so rather than queue without bound.
      end(
          gateway
              .errors()
              .toStatus(
                  ServerError.of(
                      ServerError.RESOURCE_EXHAUSTED,
                      ErrorReason.ERROR_REASON_LIMIT_REACHED,
                      "replica %d already has %d KeepAlive requests of this KeepAlives stream to"
                          + " serve, the most it queues per stream; wait for the answers",
                      selfId,
                      MAX_QUEUED_REQUESTS)));
      return;
    }
    if (start && !gateway.submit(this::serveSome)) {
      // Lost KeepAlives must not go unnoticed: end the call so that the client reconnects.
      end(gateway.errors().overloaded(selfId));
    }
  }

  /**
   * Serves up to {@link #REQUESTS_PER_TURN} queued requests, then queues itself again if more wait:
   * one task per stream at a time, so a storm of reconnecting sessions (a leader change) costs the
   * loop a bounded slice per turn and never floods its queue.
   */
  private void serveSome(CellServer cell) {
    int budget = REQUESTS_PER_TURN;
    inBatch = true;
    try {
      while (budget > 0) {
        KeepAliveBatch batch;
        synchronized (queue) {
          batch = queue.pollFirst();
          if (batch == null) {
            serving = false;
            break;
          }
          queuedRequests -= batch.getRequestsCount();
        }
        serve(cell, batch);
        budget -= Math.max(1, batch.getRequestsCount());
      }
    } finally {
      inBatch = false;
    }
    flush();
    // Out of budget with batches left: serving is still set, so no one else queued a task.
    if (budget <= 0 && !gateway.submit(this::serveSome)) {
      end(gateway.errors().overloaded(selfId));
    }
  }

  private void serve(CellServer cell, KeepAliveBatch batch) {
    // Closings first: a session whose client dropped its stream here and opened another within
    // one batch sends both, and the new one must start afresh from its own last seen index.
    for (long sessionId : batch.getClosedSessionIdsList()) {
      KeepAliveStream stream = streams.remove(sessionId);
      if (stream != null) {
        stream.onClosed();
      }
    }
    for (KeepAliveRequest request : batch.getRequestsList()) {
      if (out.closed()) {
        return;
      }
      KeepAliveStream stream = streams.get(request.getSessionId());
      if (stream == null) {
        Inner inner = new Inner(request.getSessionId());
        stream = cell.openKeepAlive(caller, inner);
        inner.stream = stream;
        streams.put(request.getSessionId(), stream);
      }
      stream.onRequest(request);
    }
  }

  @Override
  public void onError(Throwable t) {
    out.markClosed();
    gateway.submit(cell -> forgetAll());
  }

  @Override
  public void onCompleted() {
    gateway.submit(
        cell -> {
          forgetAll();
          end(null);
        });
  }

  private void forgetAll() {
    List<KeepAliveStream> all = List.copyOf(streams.values());
    streams.clear();
    all.forEach(KeepAliveStream::onClosed);
  }

  /** Sends what the loop gathered (loop thread). */
  private void flush() {
    flushQueued = false;
    if (pending.getResponsesCount() == 0 && pending.getEndedCount() == 0) {
      return;
    }
    KeepAliveBatchResponse out = pending.build();
    pending = KeepAliveBatchResponse.newBuilder();
    send(out);
  }

  /** A push outside a batch's task: send it in a task of its own, after this turn's others. */
  private void flushSoon() {
    if (flushQueued || inBatch) {
      return;
    }
    flushQueued = true;
    if (!gateway.submit(cell -> flush())) {
      flush();
    }
  }

  private void send(KeepAliveBatchResponse response) {
    out.send(response);
  }

  private void end(Throwable status) {
    out.end(status);
  }

  private boolean ready() {
    return out.ready();
  }

  private KeepAliveEnd ended(long sessionId, ServerError error) {
    KeepAliveEnd.Builder end = KeepAliveEnd.newBuilder().setSessionId(sessionId);
    if (error != null) {
      end.setError(gateway.errors().toCallError(error));
    }
    return end.build();
  }

  /** One session's stream inside this call, as the loop sees it. Loop thread only. */
  private final class Inner implements EventSink {
    private final long sessionId;
    private KeepAliveStream stream; // set right after the loop opened it

    Inner(long sessionId) {
      this.sessionId = sessionId;
    }

    @Override
    public boolean ready() {
      return KeepAliveMux.this.ready();
    }

    @Override
    public boolean closed() {
      return out.closed();
    }

    @Override
    public void send(KeepAliveResponse response) {
      pending.addResponses(response);
      flushSoon();
    }

    @Override
    public void close(ServerError error) {
      if (error != null && error.reason() == ErrorReason.ERROR_REASON_NOT_LEADER) {
        // Every session here moves to the leader: end the call as every KeepAlive stream would.
        flush();
        end(gateway.errors().toStatus(error));
        streams.clear();
        return;
      }
      if (streams.get(sessionId) == stream) {
        streams.remove(sessionId);
      }
      pending.addEnded(ended(sessionId, error));
      flushSoon();
    }
  }
}
