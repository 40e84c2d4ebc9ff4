package io.lockd.client;

import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls that find the leader: each attempt goes to {@link LeaderRouter#target}, on the client's
 * Calls stream to that replica when the method can travel there ({@link CallStream}), else as a
 * unary call; an UNAVAILABLE with a hint is sent on at once to the hinted leader, other retryable
 * failures move to the next endpoint, and after a full round of failures the call waits ({@link
 * Backoff}) before the next round. The same request message is sent every time, so a mutation keeps
 * its (session, sequence) across attempts and is applied at most once.
 *
 * <p>A call ends with the first final answer, at its deadline, or when cancelled ({@link
 * #cancelAll} when the client closes: its channels may be shared and stay open). Loop thread only;
 * the callback runs on the loop.
 */
final class Rpc {
  private static final Logger log = LoggerFactory.getLogger(Rpc.class);

  /** No overall deadline: retry until a final answer or cancellation. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  private final LeaderRouter router;
  private final ClientClock clock;
  private final Backoff backoff;
  private final long attemptTimeoutNanos;

  /** Head of the list of unfinished calls. */
  private final ListNode active = new ListNode();

  /** Calls streams by replica address, opened on first use. */
  private final Map<String, CallStream> streams = new HashMap<>();

  Rpc(LeaderRouter router, ClientClock clock, Backoff backoff, long attemptTimeoutNanos) {
    this.router = router;
    this.clock = clock;
    this.backoff = backoff;
    this.attemptTimeoutNanos = attemptTimeoutNanos;
  }

  LeaderRouter router() {
    return router;
  }

  /**
   * Starts a call. {@code done} gets exactly one of (answer, null) or (null, error).
   *
   * @param leaderOnly whether an answer proves its sender leads (true for everything but Status)
   * @param deadlineNanos clock time after which to give up, or {@link #NO_DEADLINE}
   */
  <Q, A> Call<Q, A> start(
      MethodDescriptor<Q, A> method,
      Q request,
      boolean leaderOnly,
      long deadlineNanos,
      BiConsumer<A, LockdException> done) {
    Call<Q, A> call = new Call<>(method, request, leaderOnly, deadlineNanos, done);
    call.linkAfter(active);
    call.attempt();
    return call;
  }

  /** Ends every unfinished call with {@code error} and every Calls stream (the client closes). */
  void cancelAll(LockdException error) {
    for (ListNode c = active.first(); c != null; c = active.first()) {
      ((Call<?, ?>) c).cancel(error);
    }
    streams.values().forEach(CallStream::close);
    streams.clear();
  }

  /** The Calls stream to {@code target}, or null if the replica does not offer one. */
  private CallStream stream(String target) {
    CallStream s = streams.get(target);
    if (s == null) {
      s = new CallStream(router.channel(target), router, clock);
      streams.put(target, s);
    }
    return s.supported() ? s : null;
  }

  /** One attempt in flight: a unary call, or a request on a Calls stream. */
  private interface Attempt {
    void cancel();
  }

  /** One logical call and its attempts. */
  final class Call<Q, A> extends ListNode {
    private final MethodDescriptor<Q, A> method;
    private final Q request;
    private final boolean leaderOnly;
    private final long deadlineNanos;
    private final long startNanos;
    private final BiConsumer<A, LockdException> done;
    private final CallCodec<Q, A> codec;
    private Attempt inFlight;
    private ClientClock.Cancellable retryTimer = ClientClock.Cancellable.NONE;
    private int failuresInRound;
    private int hintsFollowed;
    private int round;
    private int busyRounds;
    private String lastError;
    private boolean finished;

    private Call(
        MethodDescriptor<Q, A> method,
        Q request,
        boolean leaderOnly,
        long deadlineNanos,
        BiConsumer<A, LockdException> done) {
      this.method = method;
      this.request = request;
      this.leaderOnly = leaderOnly;
      this.deadlineNanos = deadlineNanos;
      this.startNanos = clock.nanoTime();
      this.done = done;
      this.codec = CallCodec.of(method);
    }

    /** Stops retrying; the callback gets {@code error}. Harmless after the call finished. */
    void cancel(LockdException error) {
      if (finished) {
        return;
      }
      retryTimer.cancel();
      if (inFlight != null) {
        inFlight.cancel();
      }
      finish(null, error);
    }

    boolean finished() {
      return finished;
    }

    private void attempt() {
      if (finished) {
        return;
      }
      long now = clock.nanoTime();
      if (now >= deadlineNanos) {
        finish(null, gaveUp(now));
        return;
      }
      String target = router.target();
      long timeout = Math.min(attemptTimeoutNanos, deadlineNanos - now);
      try {
        CallStream stream = codec == null ? null : stream(target);
        if (stream != null) {
          sendOnStream(stream, target, timeout);
        } else {
          sendUnary(target, timeout);
        }
      } catch (LockdException closed) {
        finish(null, closed);
      }
    }

    private void sendOnStream(CallStream stream, String target, long timeoutNanos) {
      Attempt[] self = new Attempt[1];
      ClientClock.Cancellable handle =
          stream.send(
              codec.wrap(request),
              timeoutNanos,
              (answer, status, trailers) -> {
                if (answer != null) {
                  onClose(self[0], target, status, codec.unwrap(answer), trailers);
                } else if (!stream.supported() && self[0] == inFlight) {
                  inFlight = null;
                  attempt(); // an older server without Calls: the same attempt as a unary call
                } else {
                  onClose(self[0], target, status, null, trailers);
                }
              });
      self[0] = handle::cancel;
      inFlight = self[0];
    }

    private void sendUnary(String target, long timeoutNanos) {
      ClientCall<Q, A> call =
          router
              .channel(target)
              .newCall(
                  method,
                  router
                      .callOptions()
                      .withDeadline(
                          Deadline.after(
                              timeoutNanos, TimeUnit.NANOSECONDS, clock.deadlineTicker())));
      Attempt attempt = () -> call.cancel("cancelled by the lockd client", null);
      inFlight = attempt;
      call.start(new Listener(attempt, target), new Metadata());
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    }

    private void onClose(
        Attempt attempt, String target, Status status, A answer, Metadata trailers) {
      if (finished || attempt != inFlight) {
        return;
      }
      inFlight = null;
      if (status.isOk() && answer != null) {
        if (leaderOnly) {
          router.confirmed(target);
        }
        finish(answer, null);
        return;
      }
      if (status.isOk()) {
        status = Status.INTERNAL.withDescription("the server closed the call without an answer");
      }
      String tls = TlsDiagnosis.explain(status);
      if (tls != null) {
        // A configuration error: every replica would answer the same, so say it now.
        finish(null, Errors.tlsFailure(target, tls, status));
        return;
      }
      if (Errors.busy(status, trailers)) {
        // The leader is right; it has too much of this kind in progress. Ask it again later.
        lastError = target + ": " + status.getCode() + describe(status);
        long delay = backoff.delayNanos(busyRounds++);
        log.debug(
            "{}: {}; retrying in {} ms", method.getBareMethodName(), lastError, delay / 1_000_000);
        retryTimer = clock.schedule(delay, this::attempt);
        return;
      }
      if (!Errors.retryable(status)) {
        finish(null, Errors.fromStatus(status, trailers));
        return;
      }
      lastError = target + ": " + status.getCode() + describe(status);
      String hint = Errors.leaderHint(trailers);
      if (hint != null && !hint.equals(target) && hintsFollowed < router.endpointCount()) {
        hintsFollowed++;
        router.redirected(hint);
        attempt();
        return;
      }
      if (hint == null || !hint.equals(target)) {
        router.failed(target);
      }
      if (++failuresInRound < router.endpointCount() && (hint == null || !hint.equals(target))) {
        attempt();
        return;
      }
      long delay = backoff.delayNanos(round++);
      failuresInRound = 0;
      hintsFollowed = 0;
      log.debug(
          "{}: no leader answered this round ({}); retrying in {} ms",
          method.getBareMethodName(),
          lastError,
          delay / 1_000_000);
      retryTimer = clock.schedule(delay, this::attempt);
    }

    private LockdException gaveUp(long now) {
      long millis = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
      return new LockdException(
          Status.Code.UNAVAILABLE,
          LockdException.Reason.UNSPECIFIED,
          (leaderOnly ? "no lockd leader answered " : "no lockd replica answered ")
              + method.getBareMethodName()
              + " within "
              + millis
              + " ms (endpoints "
              + router.endpoints()
              + (lastError == null ? "" : "; last error " + lastError)
              + ")");
    }

    private void finish(A answer, LockdException error) {
      if (finished) {
        return;
      }
      finished = true;
      unlink();
      done.accept(answer, error);
    }

    /** Receives one attempt's answer and close; runs on the loop (the channel's executor). */
    private final class Listener extends ClientCall.Listener<A> {
      private final Attempt attempt;
      private final String target;
      private A answer;

      Listener(Attempt attempt, String target) {
        this.attempt = attempt;
        this.target = target;
      }

      @Override
      public void onMessage(A message) {
        answer = message;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        Call.this.onClose(attempt, target, status, answer, trailers);
      }
    }
  }

  private static String describe(Status status) {
    String d = status.getDescription() == null ? "" : " " + status.getDescription();
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      d += " (" + status.getCause().getMessage() + ")";
    }
    return d;
  }
}
