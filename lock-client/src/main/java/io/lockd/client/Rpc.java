package io.lockd.client;

import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.ErrorReason;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unary calls that find the leader: each attempt goes to {@link LeaderRouter#target}; an
 * UNAVAILABLE with a hint is sent on at once to the hinted leader, other retryable failures move
 * to the next endpoint, and after a full round of failures the call waits ({@link Backoff}) before
 * the next round. The same request message is sent every time, so a mutation keeps its (session,
 * sequence) across attempts and is applied at most once.
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

  /** Ends every unfinished call with {@code error} (the client is closing). */
  void cancelAll(LockdException error) {
    for (ListNode c = active.first(); c != null; c = active.first()) {
      ((Call<?, ?>) c).cancel(error);
    }
  }

  /** One logical call and its attempts. */
  final class Call<Q, A> extends ListNode {
    private final MethodDescriptor<Q, A> method;
    private final Q request;
    private final boolean leaderOnly;
    private final long deadlineNanos;
    private final long startNanos;
    private final BiConsumer<A, LockdException> done;
    private ClientCall<Q, A> inFlight;
    private ClientClock.Cancellable retryTimer = ClientClock.Cancellable.NONE;
    private int failuresInRound;
    private int hintsFollowed;
    private int round;
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
    }

    /** Stops retrying; the callback gets {@code error}. Harmless after the call finished. */
    void cancel(LockdException error) {
      if (finished) {
        return;
      }
      retryTimer.cancel();
      if (inFlight != null) {
        inFlight.cancel("cancelled by the lockd client", null);
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
      ClientCall<Q, A> call;
      try {
        call =
            router
                .channel(target)
                .newCall(method, router.callOptions().withDeadline(
                    Deadline.after(timeout, TimeUnit.NANOSECONDS, clock.deadlineTicker())));
      } catch (LockdException closed) {
        finish(null, closed);
        return;
      }
      inFlight = call;
      call.start(new Listener(call, target), new Metadata());
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    }

    private void onClose(ClientCall<Q, A> call, String target, Status status, A answer, Metadata trailers) {
      if (finished || call != inFlight) {
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
      log.debug("{}: no leader answered this round ({}); retrying in {} ms", method.getBareMethodName(), lastError, delay / 1_000_000);
      retryTimer = clock.schedule(delay, this::attempt);
    }

    private LockdException gaveUp(long now) {
      long millis = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
      return new LockdException(
          Status.Code.UNAVAILABLE,
          ErrorReason.ERROR_REASON_UNSPECIFIED,
          (leaderOnly ? "no lockd leader answered " : "no lockd replica answered ") + method.getBareMethodName() + " within " + millis
              + " ms (endpoints " + router.endpoints() + (lastError == null ? "" : "; last error " + lastError) + ")");
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
      private final ClientCall<Q, A> call;
      private final String target;
      private A answer;

      Listener(ClientCall<Q, A> call, String target) {
        this.call = call;
        this.target = target;
      }

      @Override
      public void onMessage(A message) {
        answer = message;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        Call.this.onClose(call, target, status, answer, trailers);
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
