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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>Threads: batches arrive on gRPC's threads, one at a time for this call; admission of each
 * newly named session happens there (as for a KeepAlive stream's opening), the rest on the loop.
 * The loop adds to {@link #pending} and sends it at the end of the task that answered a batch, or
 * in a task of its own for pushes; every send is serialized by this object's monitor.
 */
final class KeepAliveMux implements StreamObserver<KeepAliveBatch> {
  /** Requests one batch may hold: a batch is one task on the loop, so its cost is bounded. */
  static final int MAX_REQUESTS_PER_BATCH = 1_000;

  // What a batch's request is, as admission found it on the gRPC thread.
  private static final byte KNOWN = 0; // its session's stream here was admitted before
  private static final byte OPENING = 1; // admitted now: opens its session's stream here
  private static final byte REFUSED = 2; // refused BUSY: its ending is sent at once

  private final CellGateway gateway;
  private final int selfId;
  private final Admission admission;
  private final String caller;
  private final ServerCallStreamObserver<KeepAliveBatchResponse> call;

  /** Sessions this call has admitted, as seen from gRPC's threads (admission only). */
  private final Set<Long> admitted = ConcurrentHashMap.newKeySet();

  // Loop thread only.
  private final Map<Long, KeepAliveStream> streams = new HashMap<>();
  private KeepAliveBatchResponse.Builder pending = KeepAliveBatchResponse.newBuilder();
  private boolean flushQueued;
  private boolean inBatch; // answering a batch: its task sends what it gathered at its end

  private volatile boolean closed;
  private volatile boolean waiting;

  KeepAliveMux(
      CellGateway gateway,
      int selfId,
      Admission admission,
      String caller,
      ServerCallStreamObserver<KeepAliveBatchResponse> call) {
    this.gateway = gateway;
    this.selfId = selfId;
    this.admission = admission;
    this.caller = caller;
    this.call = call;
    call.setOnReadyHandler(
        () -> {
          if (takeWaiting()) {
            gateway.submit(cell -> List.copyOf(streams.values()).forEach(KeepAliveStream::onReady));
          }
        });
    call.setOnCancelHandler(
        () -> {
          closed = true;
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
    byte[] kind = new byte[batch.getRequestsCount()];
    List<KeepAliveEnd> refused = new ArrayList<>();
    for (int i = 0; i < kind.length; i++) {
      long sessionId = batch.getRequests(i).getSessionId();
      if (admitted.contains(sessionId)) {
        kind[i] = KNOWN;
        continue;
      }
      ServerError busy = admission.admitOpening();
      if (busy != null) {
        refused.add(ended(sessionId, busy));
        kind[i] = REFUSED;
        continue;
      }
      admitted.add(sessionId);
      kind[i] = OPENING;
    }
    boolean queued = gateway.submit(cell -> serve(cell, batch, kind));
    if (!queued) {
      for (byte k : kind) {
        if (k == OPENING) {
          admission.openingDone();
        }
      }
      // Lost KeepAlives must not go unnoticed: end the call so that the client reconnects.
      end(gateway.errors().overloaded(selfId));
      return;
    }
    if (!refused.isEmpty()) {
      send(KeepAliveBatchResponse.newBuilder().addAllEnded(refused).build());
    }
  }

  private void serve(CellServer cell, KeepAliveBatch batch, byte[] kind) {
    inBatch = true;
    try {
      // Closings first: a session whose client dropped its stream here and opened another within
      // one batch sends both, and the new one must start afresh from its own last seen index.
      for (long sessionId : batch.getClosedSessionIdsList()) {
        KeepAliveStream stream = streams.remove(sessionId);
        admitted.remove(sessionId);
        if (stream != null) {
          stream.onClosed();
        }
      }
      for (int i = 0; i < kind.length; i++) {
        KeepAliveRequest request = batch.getRequests(i);
        if (kind[i] == OPENING) {
          admission.openingDone();
        }
        if (kind[i] == REFUSED || closed) {
          continue;
        }
        KeepAliveStream stream = streams.get(request.getSessionId());
        if (stream == null) {
          // Opening, or its stream here ended since admission looked (closed above, or ended by
          // the loop while the request was on its way): a new one, as a client reopening would.
          Inner inner = new Inner(request.getSessionId());
          stream = cell.openKeepAlive(caller, inner);
          inner.stream = stream;
          streams.put(request.getSessionId(), stream);
          admitted.add(request.getSessionId());
        }
        stream.onRequest(request);
      }
    } finally {
      inBatch = false;
    }
    flush();
  }

  @Override
  public void onError(Throwable t) {
    closed = true;
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
    admitted.clear();
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

  private synchronized void send(KeepAliveBatchResponse response) {
    if (closed) {
      return;
    }
    try {
      call.onNext(response);
    } catch (RuntimeException e) {
      closed = true; // the call ended under us
    }
  }

  private synchronized void end(Throwable status) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (status == null) {
        call.onCompleted();
      } else {
        call.onError(status);
      }
    } catch (RuntimeException e) {
      // the call had already ended
    }
  }

  private boolean ready() {
    if (closed) {
      return false;
    }
    waiting = true; // first, so that an onReady racing this check still pushes
    boolean ready = call.isReady();
    if (ready) {
      waiting = false;
    }
    return ready;
  }

  private boolean takeWaiting() {
    boolean was = waiting;
    waiting = false;
    return was;
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
      return closed;
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
        admitted.clear();
        return;
      }
      if (streams.get(sessionId) == stream) {
        streams.remove(sessionId);
        admitted.remove(sessionId);
      }
      pending.addEnded(ended(sessionId, error));
      flushSoon();
    }
  }
}
