package io.lockd.client;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's KeepAlive stream to the leader. It sends a request every {@code interval} (a third
 * of the lease) and whenever asked ({@link #sendNow}), keeps at most one request outstanding, and
 * hands every response to its {@link Handler} together with the send time the response's lease is
 * counted from.
 *
 * <p>Which send time: every request carries a {@code request_id}, and every response (an answer or
 * an event push) names the newest request the leader had received when it sent it. The lease it
 * reports was measured after that request arrived, so it is counted from that request's send time.
 * Matching by arrival instead ("the first response after a send answers it") is wrong after a
 * pause: a push that waited in the paused client would be credited to a request sent after it
 * arrived (found by the client simulation). A response naming a request too old to remember extends
 * nothing.
 *
 * <p>The stream is the session's share of the KeepAlives stream that every session on its loop
 * thread has to that replica ({@link KeepAliveMux}): one message per batch of KeepAlives rather
 * than one per KeepAlive. Against a server without it (UNIMPLEMENTED) the session falls back to a
 * KeepAlive stream of its own; the rules below are the same either way.
 *
 * <p>The stream moves when the leader does: a stream error follows the trailer's leader hint or
 * goes to the next endpoint (with backoff after a failed round), and a leader learned elsewhere (a
 * unary call's hint) restarts the stream there. An outstanding request unanswered for one attempt
 * timeout counts as a failure. Loop thread only.
 */
final class KeepAliveStream {
  private static final Logger log = LoggerFactory.getLogger(KeepAliveStream.class);

  /** The send time of a response whose request is no longer remembered. */
  static final long UNKNOWN_SEND = Long.MIN_VALUE;

  /** Requests remembered with their send times (one is outstanding at a time). */
  private static final int REMEMBERED = 16;

  private static final MethodDescriptor<KeepAliveRequest, KeepAliveResponse> KEEP_ALIVE =
      SessionGrpc.getKeepAliveMethod();

  /** RESOURCE_EXHAUSTED endings in a row, without an answer between, that end the session. */
  static final int REFUSALS_BEFORE_GIVING_UP = 3;

  /** What the session does with the stream's news. */
  interface Handler {
    /**
     * A response; its lease is counted from {@code sendNanos}, or not at all if that is {@link
     * #UNKNOWN_SEND}.
     */
    void onResponse(KeepAliveResponse response, long sendNanos);

    /** The cell says the session does not exist (any more). */
    void onSessionNotFound(String message);

    /**
     * The replica refused the stream for a limit (RESOURCE_EXHAUSTED, such as its calls per
     * connection): asking again would be refused again, so the session cannot be kept alive.
     */
    void onRefused(LockdException error);
  }

  private final Rpc rpc;
  private final ClientClock clock;
  private final Backoff backoff;
  private final long attemptTimeoutNanos;
  private final long sessionId;
  private final Consumer<KeepAliveRequest.Builder> describe;
  private final Handler handler;
  private final Runnable leaderListener = this::onLeaderChange;
  private long intervalNanos;

  private ClientCall<KeepAliveRequest, KeepAliveResponse> call;
  private String target;
  private long outstandingSendNanos = -1;
  private long outstandingId;
  private long lastAnsweredSendNanos;
  private long nextRequestId;
  private final java.util.ArrayDeque<long[]> sentRequests =
      new java.util.ArrayDeque<>(); // {id, sendNanos}
  private int failures;
  private int refusals; // RESOURCE_EXHAUSTED endings since the last answer
  private int busyRefusals; // BUSY endings since the last answer
  private boolean stopped = true;
  private boolean batched = true; // on the loop's shared KeepAlives stream, until UNIMPLEMENTED
  private boolean sendAfterAnswer;
  private ClientClock.Cancellable sendTimer = ClientClock.Cancellable.NONE;
  private ClientClock.Cancellable watchdog = ClientClock.Cancellable.NONE;
  private ClientClock.Cancellable reopenTimer = ClientClock.Cancellable.NONE;

  KeepAliveStream(
      Rpc rpc,
      ClientClock clock,
      Backoff backoff,
      long attemptTimeoutNanos,
      long sessionId,
      long intervalNanos,
      Consumer<KeepAliveRequest.Builder> describe,
      Handler handler) {
    this.rpc = rpc;
    this.clock = clock;
    this.backoff = backoff;
    this.attemptTimeoutNanos = attemptTimeoutNanos;
    this.sessionId = sessionId;
    this.intervalNanos = intervalNanos;
    this.describe = describe;
    this.handler = handler;
  }

  /** Opens the stream; {@code createdSendNanos} is when the session's creation was sent. */
  void start(long createdSendNanos) {
    stopped = false;
    lastAnsweredSendNanos = createdSendNanos;
    rpc.router().addLeaderListener(leaderListener);
    open();
  }

  void stop() {
    stopped = true;
    rpc.router().removeLeaderListener(leaderListener);
    sendTimer.cancel();
    watchdog.cancel();
    reopenTimer.cancel();
    if (call != null) {
      call.cancel("session ended", null);
      call = null;
    }
  }

  void setIntervalNanos(long intervalNanos) {
    this.intervalNanos = intervalNanos;
  }

  /** Sends a request now unless one is outstanding (to learn the lease or new events sooner). */
  void sendNow() {
    if (!stopped && call != null && outstandingSendNanos < 0) {
      send(true);
    }
  }

  /** The periodic request: it may wait a moment to share a message with other sessions'. */
  private void sendDue() {
    if (!stopped && call != null && outstandingSendNanos < 0) {
      send(false);
    }
  }

  /**
   * Sends a request as soon as possible: now, or when the outstanding one is answered (to carry
   * news the outstanding one could not, such as a cache acknowledgement).
   */
  void sendSoon() {
    if (outstandingSendNanos >= 0) {
      sendAfterAnswer = true;
    } else {
      sendNow();
    }
  }

  /** Whether a request is waiting for its answer (loop thread). */
  boolean awaitingAnswer() {
    return outstandingSendNanos >= 0;
  }

  /** The address the stream is open to, or null. */
  String target() {
    return call == null ? null : target;
  }

  private void open() {
    if (stopped) {
      return;
    }
    target = rpc.router().target();
    ClientCall<KeepAliveRequest, KeepAliveResponse> c;
    try {
      c =
          batched
              ? rpc.router().keepAliveCall(target, clock)
              : rpc.router().channel(target).newCall(KEEP_ALIVE, rpc.router().callOptions());
    } catch (LockdException closed) {
      return;
    }
    call = c;
    outstandingSendNanos = -1;
    c.start(new Listener(c), new Metadata());
    c.request(1);
    send(false);
  }

  /**
   * Sends a request; {@code urgent} when something waits for its answer (events to deliver, a cache
   * acknowledgement, a lease in jeopardy), so that it does not wait to share a message.
   */
  private void send(boolean urgent) {
    sendTimer.cancel();
    long now = clock.nanoTime();
    outstandingSendNanos = now;
    outstandingId = ++nextRequestId;
    sentRequests.addLast(new long[] {outstandingId, now});
    if (sentRequests.size() > REMEMBERED) {
      sentRequests.removeFirst();
    }
    sendAfterAnswer = false;
    KeepAliveRequest.Builder request =
        KeepAliveRequest.newBuilder().setSessionId(sessionId).setRequestId(outstandingId);
    describe.accept(request);
    call.sendMessage(request.build());
    if (urgent) {
      KeepAliveMux.flushNow(call);
    }
    ClientCall<KeepAliveRequest, KeepAliveResponse> sentOn = call;
    watchdog.cancel();
    watchdog =
        clock.schedule(
            attemptTimeoutNanos,
            () -> {
              if (call == sentOn && outstandingSendNanos == now) {
                restart(Status.DEADLINE_EXCEEDED.withDescription("keepalive unanswered"), null);
              }
            });
  }

  private void onMessage(ClientCall<KeepAliveRequest, KeepAliveResponse> c, KeepAliveResponse r) {
    if (c != call || stopped) {
      return;
    }
    c.request(1);
    long sendNanos = sendTimeOf(r.getRequestId());
    if (outstandingSendNanos >= 0 && r.getRequestId() == outstandingId) {
      outstandingSendNanos = -1;
      watchdog.cancel();
      lastAnsweredSendNanos = sendNanos;
    }
    failures = 0;
    refusals = 0;
    busyRefusals = 0;
    rpc.router().confirmed(target);
    if (sendAfterAnswer && outstandingSendNanos < 0) {
      send(true);
    } else {
      scheduleNextSend();
    }
    handler.onResponse(r, sendNanos);
  }

  private long sendTimeOf(long requestId) {
    for (long[] sent : sentRequests) {
      if (sent[0] == requestId) {
        return sent[1];
      }
    }
    return UNKNOWN_SEND;
  }

  private void scheduleNextSend() {
    if (stopped || outstandingSendNanos >= 0) {
      return;
    }
    sendTimer.cancel();
    long due = lastAnsweredSendNanos + intervalNanos - clock.nanoTime();
    sendTimer = clock.schedule(Math.max(0, due), this::sendDue);
  }

  private void onClose(
      ClientCall<KeepAliveRequest, KeepAliveResponse> c, Status status, Metadata trailers) {
    if (c != call || stopped) {
      return;
    }
    call = null;
    if (batched && status.getCode() == Status.Code.UNIMPLEMENTED) {
      log.info(
          "{} has no KeepAlives stream (an older server): one KeepAlive stream per session",
          target);
      batched = false;
      open();
      return;
    }
    LockdException error = status.isOk() ? null : Errors.fromStatus(status, trailers);
    if (error instanceof SessionExpiredException) {
      handler.onSessionNotFound(error.getMessage());
      return;
    }
    if (Errors.busy(status, trailers)) {
      // The leader admits only so many new streams at once (after a leader change every session
      // reconnects): ask it again after a jittered backoff, without counting it as a refusal.
      reopenTimer.cancel();
      reopenTimer = clock.schedule(backoff.delayNanos(busyRefusals++), this::open);
      return;
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
        && ++refusals >= REFUSALS_BEFORE_GIVING_UP) {
      // A limit (calls per connection, streams per replica) refuses every new stream alike; an
      // overloaded replica refuses one, briefly: so a few in a row, with no answer between, end it.
      stop();
      handler.onRefused(error);
      return;
    }
    restart(status, trailers);
  }

  /** Drops the current stream and opens another: at once for a while, then after backoff. */
  private void restart(Status status, Metadata trailers) {
    if (call != null) {
      call.cancel("restarting the keepalive stream", null);
      call = null;
    }
    watchdog.cancel();
    sendTimer.cancel();
    String hint = Errors.leaderHint(trailers);
    log.debug("keepalive stream to {} ended: {}; hint {}", target, status, hint);
    if (hint != null && !hint.equals(target)) {
      rpc.router().redirected(hint);
    } else {
      rpc.router().failed(target);
    }
    int n = rpc.router().endpointCount();
    failures++;
    long delay = failures < n ? reconnectSpread() : backoff.delayNanos(failures / n - 1);
    reopenTimer.cancel();
    reopenTimer = clock.schedule(delay, this::open);
  }

  private void onLeaderChange() {
    String leader = rpc.router().leader();
    if (!stopped && call != null && leader != null && !leader.equals(target)) {
      log.debug("leader moved to {}; moving the keepalive stream from {}", leader, target);
      call.cancel("leader moved", null);
      call = null;
      watchdog.cancel();
      sendTimer.cancel();
      reopenTimer.cancel();
      reopenTimer = clock.schedule(reconnectSpread(), this::open);
    }
  }

  /**
   * When the leader moves, every session of every client reconnects to it: each waits a random part
   * of a quarter of its KeepAlive interval (a twelfth of its lease) first, so that the new leader
   * sees them spread out rather than all in one instant. The new leader keeps every session for at
   * least its lease and the failover grace, far longer than this wait.
   */
  private long reconnectSpread() {
    return backoff.spreadNanos(intervalNanos / 4);
  }

  private final class Listener extends ClientCall.Listener<KeepAliveResponse> {
    private final ClientCall<KeepAliveRequest, KeepAliveResponse> c;

    Listener(ClientCall<KeepAliveRequest, KeepAliveResponse> c) {
      this.c = c;
    }

    @Override
    public void onMessage(KeepAliveResponse message) {
      KeepAliveStream.this.onMessage(c, message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      KeepAliveStream.this.onClose(c, status, trailers);
    }
  }
}
