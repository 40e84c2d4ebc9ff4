package io.lockd.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KeepAlive streams of every session on one loop thread to one replica, carried on one
 * Session.KeepAlives stream: a process with many sessions (many {@link LockClient}s sharing a
 * runtime) then costs the leader and itself one message per batch instead of one per KeepAlive, and
 * one HTTP/2 stream instead of one per session.
 *
 * <p>Each session's stream is an {@link Inner} call with the interface of the KeepAlive call it
 * replaces, so that {@link KeepAliveStream} treats both alike: its requests go out in the next
 * batch (gathered for {@link #LINGER_NANOS}, so that KeepAlives due at nearly the same time share
 * one message; the lease is counted from the time the session sent, so waiting only makes it more
 * cautious; a request something waits for goes at once, {@link #flushNow}), its responses come back
 * to its listener, and where the server ends the session's stream inside, or the whole stream, its
 * listener hears the status its own call would have ended with. A server without the method answers
 * UNIMPLEMENTED, which the sessions take as the sign to use KeepAlive streams of their own.
 *
 * <p>Loop thread only (the thread shared by the clients pinned to it); listeners are called there.
 */
final class KeepAliveMux {
  private static final Logger log = LoggerFactory.getLogger(KeepAliveMux.class);

  /** How long a request waits for others to share its message. */
  static final long LINGER_NANOS = 3_000_000;

  /** Requests per message: the server's bound (KeepAliveBatch.requests). */
  static final int MAX_REQUESTS_PER_BATCH = 1_000;

  private final Channel channel;
  private final Executor thread;
  private final BiConsumer<Long, Runnable> scheduler;
  private final Runnable onIdle;
  private final Map<Long, Inner> bySession = new HashMap<>();
  private final List<KeepAliveRequest> pendingRequests = new ArrayList<>();
  private final List<Long> pendingClosed = new ArrayList<>();
  private ClientCall<KeepAliveBatch, KeepAliveBatchResponse> call;
  private boolean flushScheduled;
  private int inners; // started and not ended

  /**
   * @param thread runs this mux's callbacks: the loop thread its sessions run on
   * @param scheduler runs a task after a delay in nanoseconds, on {@code thread}
   * @param onIdle told when the last session's stream here ended (the owner forgets the mux)
   */
  KeepAliveMux(
      Channel channel, Executor thread, BiConsumer<Long, Runnable> scheduler, Runnable onIdle) {
    this.channel = channel;
    this.thread = thread;
    this.scheduler = scheduler;
    this.onIdle = onIdle;
  }

  /** A new session stream on this mux. */
  ClientCall<KeepAliveRequest, KeepAliveResponse> newCall() {
    return new Inner();
  }

  /** Sends what waits at once, if {@code call} is a session's stream on a mux. */
  static void flushNow(ClientCall<?, ?> call) {
    if (call instanceof KeepAliveMux.Inner inner) {
      inner.mux().flush();
    }
  }

  private void send(Inner inner, KeepAliveRequest request) {
    Inner before = bySession.get(request.getSessionId());
    if (before != null && before != inner) {
      end(before); // the session opened another stream here: the old one is closed first
    }
    bySession.put(request.getSessionId(), inner);
    pendingRequests.add(request);
    if (!flushScheduled) {
      flushScheduled = true;
      scheduler.accept(LINGER_NANOS, this::flush);
    }
  }

  private void end(Inner inner) {
    if (inner.ended) {
      return;
    }
    inner.ended = true;
    inners--;
    if (inner.sessionId != 0 && bySession.remove(inner.sessionId, inner)) {
      // Its requests not yet sent would open a stream nobody reads; the server closes before it
      // opens, so a new stream of the session in the same batch starts afresh.
      long id = inner.sessionId;
      pendingRequests.removeIf(r -> r.getSessionId() == id);
      pendingClosed.add(id);
      if (!flushScheduled) {
        flushScheduled = true;
        scheduler.accept(LINGER_NANOS, this::flush);
      }
    }
    if (inners == 0) {
      closeIfIdle();
    }
  }

  private void closeIfIdle() {
    if (inners > 0) {
      return;
    }
    flushScheduled = false;
    pendingRequests.clear();
    pendingClosed.clear();
    if (call != null) {
      call.halfClose();
      call = null;
    }
    onIdle.run();
  }

  private void flush() {
    flushScheduled = false;
    if (pendingRequests.isEmpty() && pendingClosed.isEmpty()) {
      return;
    }
    if (call == null) {
      if (pendingRequests.isEmpty()) {
        pendingClosed.clear(); // nothing is open on a stream not yet opened
        return;
      }
      ClientCall<KeepAliveBatch, KeepAliveBatchResponse> c =
          channel.newCall(
              SessionGrpc.getKeepAlivesMethod(), CallOptions.DEFAULT.withExecutor(thread));
      call = c;
      c.start(new Listener(c), new Metadata());
      c.request(Integer.MAX_VALUE); // responses are bounded by this process's sessions
    }
    int from = 0;
    do {
      int to = Math.min(pendingRequests.size(), from + MAX_REQUESTS_PER_BATCH);
      KeepAliveBatch.Builder b =
          KeepAliveBatch.newBuilder().addAllRequests(pendingRequests.subList(from, to));
      if (to == pendingRequests.size()) {
        b.addAllClosedSessionIds(pendingClosed);
      }
      call.sendMessage(b.build());
      from = to;
    } while (from < pendingRequests.size());
    pendingRequests.clear();
    pendingClosed.clear();
  }

  private void onMessage(
      ClientCall<KeepAliveBatch, KeepAliveBatchResponse> c, KeepAliveBatchResponse batch) {
    if (c != call) {
      return;
    }
    for (KeepAliveResponse r : batch.getResponsesList()) {
      Inner inner = bySession.get(r.getSessionId());
      if (inner != null) {
        inner.deliver(r);
      }
    }
    for (KeepAliveEnd e : batch.getEndedList()) {
      Inner inner = bySession.get(e.getSessionId());
      if (inner != null) {
        Metadata trailers = new Metadata();
        Status status = e.hasError() ? statusOf(e.getError(), trailers) : Status.OK;
        end(inner);
        pendingClosed.remove(e.getSessionId()); // the server ended it: nothing to close there
        inner.close(status, trailers);
      }
    }
  }

  private void onClose(
      ClientCall<KeepAliveBatch, KeepAliveBatchResponse> c, Status status, Metadata trailers) {
    if (c != call) {
      return;
    }
    call = null;
    Status ending =
        status.isOk()
            ? Status.UNAVAILABLE.withDescription("the server ended the KeepAlives stream")
            : status;
    List<Inner> all = new ArrayList<>(bySession.values());
    bySession.clear();
    pendingRequests.clear();
    pendingClosed.clear();
    for (Inner inner : all) {
      end(inner); // the last one's end makes the mux idle
      inner.close(ending, trailers);
    }
  }

  /** The status and trailers a session's own KeepAlive call would have ended with. */
  private static Status statusOf(CallError e, Metadata trailers) {
    trailers.put(Errors.ERROR_DETAIL, e.getDetail());
    if (e.hasLeaderId() && !e.getLeaderAddress().isEmpty()) {
      trailers.put(Errors.LEADER_ID, Integer.toString(e.getLeaderId()));
      trailers.put(Errors.LEADER_ADDRESS, e.getLeaderAddress());
    }
    return Status.fromCodeValue(e.getCode()).withDescription(e.getDetail().getMessage());
  }

  /** One session's KeepAlive stream on this mux. */
  private final class Inner extends ClientCall<KeepAliveRequest, KeepAliveResponse> {
    private Listener<KeepAliveResponse> listener;
    private long sessionId;
    private boolean ended;

    @Override
    public void start(Listener<KeepAliveResponse> listener, Metadata headers) {
      this.listener = listener;
      inners++;
    }

    @Override
    public void request(int numMessages) {
      // the mux reads every message; a session's share is bounded by its own requests and events
    }

    @Override
    public void sendMessage(KeepAliveRequest message) {
      if (ended) {
        return;
      }
      sessionId = message.getSessionId();
      send(this, message);
    }

    @Override
    public void cancel(String message, Throwable cause) {
      if (ended) {
        return;
      }
      end(this);
      Status cancelled = Status.CANCELLED.withDescription(message).withCause(cause);
      thread.execute(() -> close(cancelled, new Metadata()));
    }

    @Override
    public void halfClose() {
      cancel("closed by the client", null);
    }

    @Override
    public boolean isReady() {
      return true;
    }

    private KeepAliveMux mux() {
      return KeepAliveMux.this;
    }

    private void deliver(KeepAliveResponse r) {
      try {
        listener.onMessage(r);
      } catch (RuntimeException e) {
        log.error("a KeepAlive listener failed", e); // one session's bug must not stop the others
      }
    }

    private void close(Status status, Metadata trailers) {
      try {
        listener.onClose(status, trailers);
      } catch (RuntimeException e) {
        log.error("a KeepAlive listener failed", e);
      }
    }
  }

  private final class Listener extends ClientCall.Listener<KeepAliveBatchResponse> {
    private final ClientCall<KeepAliveBatch, KeepAliveBatchResponse> c;

    Listener(ClientCall<KeepAliveBatch, KeepAliveBatchResponse> c) {
      this.c = c;
    }

    @Override
    public void onMessage(KeepAliveBatchResponse message) {
      KeepAliveMux.this.onMessage(c, message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      KeepAliveMux.this.onClose(c, status, trailers);
    }
  }
}
