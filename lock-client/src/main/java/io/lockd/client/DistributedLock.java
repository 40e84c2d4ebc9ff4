package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReleaseResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock on one node of the cell, exclusive or shared, held by the client's session. Every grant
 * comes with a {@link Sequencer}; pass it to the resources the lock protects and have them check it
 * ({@link FencingGuard}, {@link LockClient#checkSequencer}), because no client can be sure it still
 * holds a lock at the instant a request reaches a resource.
 *
 * <p>The "lock lost" callback ({@link LockListener#onLost}) fires when the session enters jeopardy
 * (the lock may be lost; {@link LockListener#onRestored} follows if the session recovers), when the
 * session expires or is closed, and when the node is deleted. Waiting acquires are queued by the
 * cell in FIFO order and survive leader changes.
 *
 * <pre>{@code
 * try (DistributedLock lock = client.lock("/jobs/compaction", LockMode.EXCLUSIVE,
 *         (l, reason) -> worker.stop())) {
 *   if (lock.acquire(Duration.ofSeconds(10))) {
 *     worker.run(lock.sequencer());
 *   }
 * } // released here
 * }</pre>
 *
 * <p>One {@code DistributedLock} holds its node at most once (locks are not re-entrant, and one
 * session cannot hold the same node twice); it may be acquired again after release or loss.
 * Thread-safe.
 */
public final class DistributedLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DistributedLock.class);

  /** Longest wait a single queued acquire asks for; a longer or endless wait queues again. */
  static final long WAIT_CHUNK_MILLIS = 3_600_000;

  private static final MethodDescriptor<AcquireRequest, AcquireResponse> ACQUIRE =
      LockGrpc.getAcquireMethod();
  private static final MethodDescriptor<ReleaseRequest, ReleaseResponse> RELEASE =
      LockGrpc.getReleaseMethod();

  private enum Phase {
    IDLE,
    REQUESTING,
    WAITING,
    WITHDRAWING,
    HELD,
    SUSPECT,
    RELEASING,
    LOST
  }

  private final AsyncLockClient client;
  private final ClientContext ctx;
  private final String path;
  private final LockMode mode;
  private final LockListener listener;

  /**
   * The session's view of this lock; an inner object so that the hooks stay out of the public API.
   */
  private final SessionLocks.Member member =
      new SessionLocks.Member() {
        @Override
        public void onOutcome(Event event) {
          DistributedLock.this.onOutcome(event);
        }

        @Override
        public void onHolderEvent(Event event) {
          DistributedLock.this.onHolderEvent(event);
        }

        @Override
        public void onSessionState(SessionState from, SessionState to) {
          DistributedLock.this.onSessionState(from, to);
        }

        @Override
        public void onResync() {
          DistributedLock.this.onResync();
        }
      };

  // Loop-confined.
  private Phase phase = Phase.IDLE;
  private Session session;
  private long requestSequence;
  private Event earlyOutcome;
  private Sequencer sequencer;
  private CompletableFuture<Boolean> attempt;
  private CompletableFuture<Boolean> grantedAttempt;

  /**
   * A grant handed to the dispatcher but perhaps not yet to the caller (its completion can queue
   * behind callbacks): a cancel that still wins must give the lock back.
   */
  private CompletableFuture<Boolean> handedOver;

  /** The grant's answer was due to the caller while the session was in jeopardy. */
  private boolean handOverDue;

  private MutationLane.Mutation<?, ?> acquireRequest;
  private long waitEndNanos;

  /** When the caller's finite wait ends (its timeout plus slack); MAX_VALUE if it has none. */
  private long waitBy;

  private boolean waitForever;

  /** Ends the caller's wait: at its timeout (false) or when the cell stayed silent (throws). */
  private ClientClock.Cancellable deadlineTimer = ClientClock.Cancellable.NONE;

  /** While waiting in a session in jeopardy: the cell has been silent for the operation timeout. */
  private ClientClock.Cancellable silenceTimer = ClientClock.Cancellable.NONE;

  /** An acquire that waits for this handle's withdrawal or release in flight to end. */
  private Runnable nextStart;

  private CompletableFuture<Boolean> nextStartFuture;

  // Published for other threads.
  private volatile Sequencer publishedSequencer;
  private volatile boolean publishedHeld;

  DistributedLock(AsyncLockClient client, String path, LockMode mode, LockListener listener) {
    this.client = client;
    this.ctx = client.context();
    this.path = path;
    this.mode = mode;
    this.listener = listener;
  }

  public String path() {
    return path;
  }

  public LockMode mode() {
    return mode;
  }

  /**
   * True while the lock is held and the session's lease is valid. False in jeopardy, after loss or
   * release. A snapshot: act on the lock only with its sequencer checked by the resource.
   */
  public boolean isHeld() {
    return publishedHeld;
  }

  /**
   * The sequencer of the current grant (also while the session is in jeopardy, so that resources
   * can refuse it if the lock was lost).
   *
   * @throws IllegalStateException if the lock is not held
   */
  public Sequencer sequencer() {
    Sequencer s = publishedSequencer;
    if (s == null) {
      throw new IllegalStateException("lock " + path + " is not held");
    }
    return s;
  }

  /**
   * Waits until the lock is granted and held, however long; returns only with the lock held ({@link
   * #isHeld()} true at return). Ends early only with an exception: the session ended or the node
   * was deleted while waiting, or no leader answered for the operation timeout (DEADLINE_EXCEEDED;
   * the request is withdrawn and the handle can be used again).
   */
  public void acquire() throws InterruptedException {
    while (!acquireOnce(null)) {
      // The grant was lost (jeopardy, expiry) before it could be returned: wait again.
    }
  }

  /**
   * Waits up to {@code timeout} for the lock. True only if the lock is held at return ({@link
   * #isHeld()} true then; a grant lost before the return, e.g. to jeopardy, is given back and gives
   * false). False if it was not granted within {@code timeout} (plus at most one second to hear of
   * a last-moment grant): the wait is withdrawn and leaves nothing behind. Throws {@link
   * LockdException} DEADLINE_EXCEEDED if the cell did not answer the request within the client's
   * operation timeout, when that is shorter than {@code timeout}. The wait is queued in the cell
   * (FIFO, surviving leader changes).
   *
   * <pre>{@code
   * if (lock.acquire(Duration.ofSeconds(10))) {   // held now; use the sequencer, not isHeld(), later
   *   store.write(data, lock.sequencer());
   * } else {
   *   // another holder kept it for 10 s
   * }
   * }</pre>
   */
  public boolean acquire(Duration timeout) throws InterruptedException {
    return acquireOnce(timeout);
  }

  /**
   * Takes the lock only if it can be granted at once; true if it is held at return. Throws {@link
   * LockdException} DEADLINE_EXCEEDED if the cell did not answer within the operation timeout.
   */
  public boolean tryAcquire() {
    return heldAtReturn(client.await(acquireAsync(Duration.ZERO)));
  }

  private boolean acquireOnce(Duration timeout) throws InterruptedException {
    CompletableFuture<Boolean> f = acquireAsync(timeout);
    return heldAtReturn(client.awaitInterruptibly(f, () -> f.cancel(false)));
  }

  /** A grant the caller's thread woke up to but that is no longer held is given back: false. */
  private boolean heldAtReturn(boolean granted) {
    if (granted && !publishedHeld) {
      releaseAsync();
      return false;
    }
    return granted;
  }

  /**
   * Asynchronous acquire: completes with true when granted and held (a grant lost before the future
   * completes gives false), false when {@code timeout} passed (null: wait however long; zero: do
   * not wait), DEADLINE_EXCEEDED if the cell did not answer within the operation timeout. If a
   * withdrawal or release of this handle is still in flight (after an interrupted or timed-out
   * call), the acquire waits for it first, within its own deadline. Cancelling the future withdraws
   * the request (never sent if it had not been), and releases the lock if the grant raced the
   * cancellation.
   */
  public CompletableFuture<Boolean> acquireAsync(Duration timeout) {
    // Cancelling the future withdraws the request (no listener per acquire needed).
    GiveUpFuture<Boolean> f = new GiveUpFuture<>(ctx.loop, this::cancelled);
    ctx.loop.execute(() -> startAcquire(timeout, f));
    return f;
  }

  /**
   * Releases the lock (or withdraws a pending acquire). Nothing to do if it is not held; a lock
   * already lost counts as released. Ends within the operation timeout: if the cell did not answer
   * by then it throws {@link LockdException} DEADLINE_EXCEEDED, while the release goes on in the
   * background ({@link #isHeld()} is false from the start; the next {@code acquire} of this handle
   * waits for it, and the session's end releases the lock in any case).
   */
  public void release() {
    client.await(releaseAsync());
  }

  public CompletableFuture<Void> releaseAsync() {
    CompletableFuture<Void> f = new Dispatcher.Awaited<>();
    ctx.loop.execute(() -> startRelease(f));
    return f;
  }

  /** Releases the lock if held; never throws for a lock that is already gone. */
  @Override
  public void close() {
    try {
      release();
    } catch (LockdException e) {
      log.debug("closing lock {}: {}", path, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "DistributedLock{" + path + " " + mode + (publishedHeld ? " held" : "") + "}";
  }

  // ------------------------------------------------------------------ acquiring (loop)

  private void startAcquire(Duration timeout, CompletableFuture<Boolean> f) {
    long now = ctx.clock.nanoTime();
    boolean forever = timeout == null;
    long waitNanos = forever ? 0 : Math.max(0, timeout.toNanos());
    // The caller's bound: the cell must answer within the operation timeout; a finite wait ends
    // at its timeout (plus the slack to hear of a last-moment grant), whichever comes first.
    long answerBy = now + ctx.operationTimeoutNanos;
    long waitBy =
        forever || waitNanos == 0 ? Long.MAX_VALUE : now + waitNanos + Blocking.SLACK_NANOS;
    ClientClock.Cancellable timer =
        answerBy <= waitBy
            ? ctx.clock.schedule(
                ctx.operationTimeoutNanos, () -> gaveUp(f, cellSilent(ctx.operationTimeoutNanos)))
            : ctx.clock.schedule(waitBy - now, () -> gaveUp(f, null));
    Runnable begin = () -> begin(f, forever, now + waitNanos, waitBy, timer);
    if (phase == Phase.WITHDRAWING || phase == Phase.RELEASING) {
      if (nextStart != null && !nextStartFuture.isDone()) { // isDone: cancelled by its caller
        timer.cancel();
        ctx.dispatcher.fail(
            f, new IllegalStateException("lock " + path + " is already being acquired"));
        return;
      }
      nextStart = begin; // after the interrupted or timed-out call's withdrawal or release
      nextStartFuture = f;
      return;
    }
    begin.run();
  }

  private void begin(
      CompletableFuture<Boolean> f,
      boolean forever,
      long waitEnd,
      long waitBy,
      ClientClock.Cancellable timer) {
    if (f.isDone()) {
      timer.cancel(); // the caller gave up while the previous call's cleanup was in flight
      return;
    }
    if (phase != Phase.IDLE && phase != Phase.LOST) {
      timer.cancel();
      ctx.dispatcher.fail(
          f,
          new IllegalStateException(
              "lock " + path + " is already held or being acquired (" + phase + ")"));
      return;
    }
    phase = Phase.REQUESTING;
    attempt = f;
    handedOver = null;
    waitForever = forever;
    waitEndNanos = waitEnd;
    deadlineTimer = timer;
    this.waitBy = waitBy;
    acquireRequest = null;
    client.withSession(
        (s, error) -> {
          if (attempt != f || phase != Phase.REQUESTING) {
            return;
          }
          if (error != null) {
            finish(Phase.IDLE, null, error);
            return;
          }
          session = s;
          s.locks().attach(member);
          sendAcquire();
        });
  }

  private LockdException cellSilent(long nanos) {
    return Errors.timedOut(
        "acquiring lock " + path + " (no lockd leader answered; the request is withdrawn)",
        TimeUnit.NANOSECONDS.toMillis(nanos),
        null);
  }

  /**
   * The caller's bound passed ({@code error} null: its own timeout, which gives false): end its
   * future now and withdraw or give back whatever is in flight, without anyone waiting for that.
   */
  private void gaveUp(CompletableFuture<Boolean> f, LockdException error) {
    if (f.isDone()) {
      return;
    }
    if (attempt == f) {
      attempt = null;
      withdraw();
    } else if (grantedAttempt == f) {
      grantedAttempt = null;
      handOverDue = false;
      startRelease(new CompletableFuture<>()); // granted, but not in time to be handed over
    } else {
      dropNextStart(f); // it still waited for this handle's previous withdrawal or release
    }
    if (error != null) {
      ctx.dispatcher.fail(f, error);
    } else {
      ctx.dispatcher.complete(f, false);
    }
  }

  private long waitMillis() {
    if (waitForever) {
      return WAIT_CHUNK_MILLIS;
    }
    long left = TimeUnit.NANOSECONDS.toMillis(waitEndNanos - ctx.clock.nanoTime());
    return Math.max(0, Math.min(left, WAIT_CHUNK_MILLIS));
  }

  private void sendAcquire() {
    Session s = session;
    long wait = waitMillis();
    earlyOutcome = null;
    acquireRequest =
        s.submit(
            ACQUIRE,
            h ->
                AcquireRequest.newBuilder()
                    .setHeader(h)
                    .setPath(path)
                    .setMode(mode.toProto())
                    .setWaitMillis(wait)
                    .build(),
            (AcquireResponse answer, LockdException error) -> onAcquireAnswer(s, answer, error),
            seq -> {
              requestSequence = seq;
              s.locks().expectOutcome(seq, member);
            });
  }

  private void onAcquireAnswer(Session s, AcquireResponse answer, LockdException error) {
    if (s != session || phase != Phase.REQUESTING) {
      return; // withdrawn meanwhile: the Release queued behind this settles it
    }
    if (error != null) {
      s.locks().outcomeSettled(requestSequence);
      boolean busy = error.reason() == LockdException.Reason.LOCK_BUSY;
      finish(Phase.IDLE, busy ? Boolean.FALSE : null, busy ? null : error);
      return;
    }
    if (answer.hasGranted()) {
      granted(Sequencer.fromProto(answer.getGranted()), answer.getIndex());
      return;
    }
    phase = Phase.WAITING;
    if (earlyOutcome != null) {
      onOutcome(earlyOutcome);
      return;
    }
    // The cell answered: from now on only the wait's own timeout bounds the caller (the cell's
    // clock ends a finite wait; the timer covers an outcome lost in a failover, or a slow one).
    CompletableFuture<Boolean> f = attempt;
    deadlineTimer.cancel();
    deadlineTimer =
        waitBy == Long.MAX_VALUE
            ? ClientClock.Cancellable.NONE
            : ctx.clock.schedule(Math.max(0, waitBy - ctx.clock.nanoTime()), () -> gaveUp(f, null));
    if (s.stateOnLoop() == SessionState.JEOPARDY) {
      watchSilence();
    }
  }

  /** A wait in a session in jeopardy ends if no leader answers for the operation timeout. */
  private void watchSilence() {
    CompletableFuture<Boolean> f = attempt;
    if (f == null || phase != Phase.WAITING) {
      return;
    }
    silenceTimer.cancel();
    silenceTimer =
        ctx.clock.schedule(
            ctx.operationTimeoutNanos, () -> gaveUp(f, cellSilent(ctx.operationTimeoutNanos)));
  }

  void onOutcome(Event e) {
    if (phase == Phase.REQUESTING) {
      earlyOutcome = e; // the outcome overtook the Acquire's answer
      return;
    }
    if (phase != Phase.WAITING) {
      return;
    }
    silenceTimer.cancel();
    session.locks().outcomeSettled(requestSequence);
    switch (e.getType()) {
      case EVENT_TYPE_LOCK_GRANTED -> granted(Sequencer.fromProto(e.getSequencer()), e.getIndex());
      case EVENT_TYPE_LOCK_WAIT_TIMED_OUT -> {
        // The cell's clock decides a finite wait; only an endless one queues again.
        if (waitForever) {
          phase = Phase.REQUESTING;
          sendAcquire();
        } else {
          finish(Phase.IDLE, false, null);
        }
      }
      default ->
          finish(
              Phase.IDLE,
              null,
              new LockdException(
                  Status.Code.NOT_FOUND,
                  LockdException.Reason.NODE_NOT_FOUND,
                  "node " + path + " was deleted while waiting for its lock"));
    }
  }

  private void granted(Sequencer seq, long index) {
    silenceTimer.cancel();
    session.locks().outcomeSettled(requestSequence);
    session.locks().holding(path, member);
    sequencer = seq;
    phase = session.stateOnLoop() == SessionState.CONNECTED ? Phase.HELD : Phase.SUSPECT;
    publishedSequencer = seq;
    publishedHeld = phase == Phase.HELD;
    CompletableFuture<Boolean> f = attempt;
    attempt = null;
    grantedAttempt = f;
    if (f != null && deadlineTimer == ClientClock.Cancellable.NONE) {
      // An endless wait was granted: its hand-over (after the events it reflects) is bounded too.
      deadlineTimer =
          ctx.clock.schedule(
              ctx.operationTimeoutNanos, () -> gaveUp(f, cellSilent(ctx.operationTimeoutNanos)));
    }
    session.order().afterIndex(index, () -> handOver(f));
  }

  /**
   * Completes a granted acquire with true only while the lock is held. In jeopardy it waits for the
   * session to recover (within the caller's bound, after which {@link #gaveUp} gives the grant
   * back); a grant lost meanwhile (expiry, deletion, release) gives false.
   */
  private void handOver(CompletableFuture<Boolean> f) {
    if (f == null || f.isDone() || grantedAttempt != f) {
      return; // the caller's bound passed first (gaveUp gave it back)
    }
    if (phase == Phase.SUSPECT) {
      handOverDue = true; // onSessionState(CONNECTED) hands it over
      return;
    }
    handOverDue = false;
    grantedAttempt = null;
    handedOver = f;
    deadlineTimer.cancel();
    ctx.dispatcher.complete(f, phase == Phase.HELD);
  }

  /** Gives up a pending acquire: the Release withdraws it, or releases a grant still in flight. */
  private void withdraw() {
    if (phase != Phase.REQUESTING && phase != Phase.WAITING) {
      return;
    }
    Session s = session;
    if (s == null
        || (phase == Phase.REQUESTING && acquireRequest != null && s.withdraw(acquireRequest))) {
      finish(Phase.IDLE, false, null); // nothing was sent, and now nothing will be
      return;
    }
    phase = Phase.WITHDRAWING;
    silenceTimer.cancel();
    s.locks().outcomeSettled(requestSequence);
    s.submit(
        RELEASE,
        h -> ReleaseRequest.newBuilder().setHeader(h).setPath(path).build(),
        (ReleaseResponse answer, LockdException error) -> {
          if (phase == Phase.WITHDRAWING && s == session) {
            finish(
                Phase.IDLE,
                error instanceof SessionExpiredException ? null : Boolean.FALSE,
                error instanceof SessionExpiredException ? error : null);
          }
        });
  }

  /** The caller gave up on {@code f}: withdraw it, or undo its grant if that came first. */
  private void cancelled(CompletableFuture<Boolean> f) {
    if (attempt == f) {
      attempt = null;
      deadlineTimer.cancel();
      withdraw();
    } else if (grantedAttempt == f) {
      grantedAttempt = null;
      handOverDue = false;
      deadlineTimer.cancel();
      if (phase == Phase.HELD || phase == Phase.SUSPECT) {
        startRelease(new CompletableFuture<>());
      }
    } else if (handedOver == f) {
      handedOver = null;
      if (phase == Phase.HELD || phase == Phase.SUSPECT) {
        startRelease(new CompletableFuture<>()); // the caller never saw the grant it cancelled
      }
    } else {
      dropNextStart(f);
    }
  }

  // ------------------------------------------------------------------ releasing (loop)

  private void startRelease(CompletableFuture<Void> f) {
    switch (phase) {
      case HELD, SUSPECT -> {
        phase = Phase.RELEASING;
        handedOver = null;
        publishedHeld = false;
        Session s = session;
        // The caller waits at most the operation timeout; the Release itself is never withdrawn
        // (the lock must be given back) and goes on to the cell's answer or the session's end.
        ClientClock.Cancellable bound =
            ctx.clock.schedule(
                ctx.operationTimeoutNanos,
                () ->
                    ctx.dispatcher.fail(
                        f,
                        Errors.timedOut(
                            "releasing lock "
                                + path
                                + " (no lockd leader answered; the release goes on in the background)",
                            ctx.operationTimeoutMillis(),
                            null)));
        s.submit(
            RELEASE,
            h -> ReleaseRequest.newBuilder().setHeader(h).setPath(path).build(),
            (ReleaseResponse answer, LockdException error) -> {
              bound.cancel();
              if (error != null && !alreadyGone(error)) {
                // The cell refused for another reason; the lock may still be held.
                if (phase == Phase.RELEASING) {
                  phase = Phase.HELD;
                  publishedHeld = s.stateOnLoop() == SessionState.CONNECTED;
                  startNext();
                }
                ctx.dispatcher.fail(f, error);
                return;
              }
              if (phase == Phase.RELEASING) {
                clearHold(Phase.IDLE);
              }
              if (answer != null) {
                s.order().afterIndex(answer.getIndex(), () -> ctx.dispatcher.complete(f, null));
              } else {
                ctx.dispatcher.complete(f, null);
              }
            });
      }
      case REQUESTING, WAITING -> {
        withdraw();
        ctx.dispatcher.complete(f, null);
      }
      default -> ctx.dispatcher.complete(f, null);
    }
  }

  private static boolean alreadyGone(LockdException e) {
    return e instanceof SessionExpiredException
        || e.reason() == LockdException.Reason.LOCK_NOT_HELD
        || e.reason() == LockdException.Reason.NODE_NOT_FOUND;
  }

  private void clearHold(Phase next) {
    if (session != null) {
      session.locks().notHolding(path, member);
    }
    phase = next;
    sequencer = null;
    publishedSequencer = null;
    publishedHeld = false;
    CompletableFuture<Boolean> granted = grantedAttempt;
    if (granted != null) {
      grantedAttempt = null; // lost before it could be handed over
      handOverDue = false;
      deadlineTimer.cancel();
      ctx.dispatcher.complete(granted, false);
    }
    detachIfDone();
    startNext();
  }

  private void finish(Phase next, Boolean value, Throwable error) {
    CompletableFuture<Boolean> f = attempt;
    attempt = null;
    if (f != null) {
      deadlineTimer.cancel();
    }
    silenceTimer.cancel();
    phase = next;
    detachIfDone();
    if (f != null) {
      if (error != null) {
        ctx.dispatcher.fail(f, error);
      } else {
        ctx.dispatcher.complete(f, value);
      }
    }
    startNext();
  }

  /**
   * Forgets the acquire of {@code f} that waits to start: its caller gave up. (Its future's
   * completion goes through the dispatcher, so {@code f.isDone()} may not say so yet.)
   */
  private void dropNextStart(CompletableFuture<Boolean> f) {
    if (nextStartFuture == f) {
      nextStart = null;
      nextStartFuture = null;
    }
  }

  /** Starts the acquire that waited for this handle's withdrawal or release, now over. */
  private void startNext() {
    Runnable next = nextStart;
    if (next != null && phase != Phase.WITHDRAWING && phase != Phase.RELEASING) {
      nextStart = null;
      nextStartFuture = null;
      next.run();
    }
  }

  /** A lock that neither holds nor waits leaves its session, which may then end without it. */
  private void detachIfDone() {
    if ((phase == Phase.IDLE || phase == Phase.LOST) && session != null) {
      session.locks().detach(member);
      session = null;
    }
  }

  // ------------------------------------------------------------------ session news (loop)

  void onHolderEvent(Event e) {
    if ((phase != Phase.HELD && phase != Phase.SUSPECT) || sequencer == null) {
      return;
    }
    switch (e.getType()) {
      case EVENT_TYPE_LOCK_LOST -> {
        if (e.getLockGeneration() == sequencer.lockGeneration()) {
          clearHold(Phase.LOST);
          lost(LockLossReason.NODE_DELETED);
        }
      }
      case EVENT_TYPE_LOCK_CONFLICT -> {
        if (listener != null) {
          long waiter = e.getSessionId();
          ctx.dispatcher.run("a lock listener", () -> listener.onConflict(this, waiter));
        }
      }
      default -> {}
    }
  }

  void onSessionState(SessionState from, SessionState to) {
    switch (to) {
      case JEOPARDY -> {
        watchSilence();
        if (phase == Phase.HELD) {
          phase = Phase.SUSPECT;
          publishedHeld = false;
          lost(LockLossReason.SESSION_JEOPARDY);
        }
      }
      case CONNECTED -> {
        silenceTimer.cancel();
        if (phase == Phase.SUSPECT) {
          phase = Phase.HELD;
          publishedHeld = true;
          if (listener != null) {
            ctx.dispatcher.run("a lock listener", () -> listener.onRestored(this));
          }
          if (handOverDue) {
            handOver(grantedAttempt);
          }
        }
      }
      case EXPIRED, CLOSED -> {
        boolean wasHeld = phase == Phase.HELD || phase == Phase.SUSPECT;
        long id = session.id();
        if (attempt != null) {
          finish(
              phase,
              null,
              new SessionExpiredException(id, "session " + id + " ended while acquiring " + path));
        }
        clearHold(wasHeld ? Phase.LOST : Phase.IDLE);
        if (wasHeld) {
          lost(
              to == SessionState.EXPIRED
                  ? LockLossReason.SESSION_EXPIRED
                  : LockLossReason.SESSION_CLOSED);
        }
      }
    }
  }

  void onResync() {
    if (phase != Phase.WAITING) {
      return;
    }
    // The grant or timeout may have been among the dropped events: ask the cell.
    Session s = session;
    long seq = requestSequence;
    client.lockInfoOnLoop(
        path,
        (LockInfo info, LockdException error) -> {
          if (s != session || phase != Phase.WAITING || seq != requestSequence || error != null) {
            return;
          }
          for (LockHolder h : info.getHoldersList()) {
            if (h.getSessionId() == s.id()) {
              granted(
                  new Sequencer(
                      path,
                      LockMode.fromProto(h.getMode()),
                      h.getLockGeneration(),
                      info.getInstance(),
                      s.id()),
                  0);
              return;
            }
          }
          boolean stillWaiting =
              info.getWaitersList().stream().anyMatch(w -> w.getSessionId() == s.id());
          if (!stillWaiting) {
            s.locks().outcomeSettled(seq);
            finish(Phase.IDLE, false, null);
          }
        });
  }

  private void lost(LockLossReason reason) {
    log.info("lock {} lost: {}", path, reason);
    if (listener != null) {
      ctx.dispatcher.run("a lock listener", () -> listener.onLost(this, reason));
    }
  }
}
