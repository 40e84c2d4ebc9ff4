package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReleaseResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock on one node of the cell, exclusive or shared, held by the client's session. Every grant
 * comes with a {@link Sequencer}; pass it to the resources the lock protects and have them check
 * it ({@link FencingGuard}, {@link LockClient#checkSequencer}), because no client can be sure it
 * still holds a lock at the instant a request reaches a resource.
 *
 * <p>The "lock lost" callback ({@link LockListener#onLost}) fires when the session enters
 * jeopardy (the lock may be lost; {@link LockListener#onRestored} follows if the session recovers),
 * when the session expires or is closed, and when the node is deleted. Waiting acquires are queued
 * by the cell in FIFO order and survive leader changes.
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
public final class DistributedLock implements AutoCloseable, SessionLocks.Member {
  private static final Logger log = LoggerFactory.getLogger(DistributedLock.class);
  /** Longest wait a single queued acquire asks for; a longer or endless wait queues again. */
  static final long WAIT_CHUNK_MILLIS = 3_600_000;

  private static final MethodDescriptor<AcquireRequest, AcquireResponse> ACQUIRE = LockGrpc.getAcquireMethod();
  private static final MethodDescriptor<ReleaseRequest, ReleaseResponse> RELEASE = LockGrpc.getReleaseMethod();

  private enum Phase { IDLE, REQUESTING, WAITING, WITHDRAWING, HELD, SUSPECT, RELEASING, LOST }

  private final AsyncLockClient client;
  private final ClientContext ctx;
  private final String path;
  private final LockMode mode;
  private final LockListener listener;

  // Loop-confined.
  private Phase phase = Phase.IDLE;
  private Session session;
  private long requestSequence;
  private Event earlyOutcome;
  private Sequencer sequencer;
  private CompletableFuture<Boolean> attempt;
  private CompletableFuture<Boolean> grantedAttempt;
  private long waitEndNanos;
  private boolean waitForever;
  private ClientClock.Cancellable giveUpTimer = ClientClock.Cancellable.NONE;

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
   * True while the lock is held and the session's lease is valid. False in jeopardy, after loss
   * or release. A snapshot: act on the lock only with its sequencer checked by the resource.
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
   * Waits until the lock is granted, however long; fails only if the session ends or the node is
   * deleted while waiting.
   */
  public void acquire() throws InterruptedException {
    CompletableFuture<Boolean> f = acquireAsync(null);
    client.awaitInterruptibly(f, () -> f.cancel(false));
  }

  /**
   * Waits up to {@code timeout} for the lock; true if granted. The wait is queued in the cell (FIFO,
   * surviving leader changes); a wait that ends without a grant leaves nothing behind.
   */
  public boolean acquire(Duration timeout) throws InterruptedException {
    CompletableFuture<Boolean> f = acquireAsync(timeout);
    return client.awaitInterruptibly(f, () -> f.cancel(false));
  }

  /** Takes the lock only if it can be granted at once; true if granted. */
  public boolean tryAcquire() {
    return client.await(acquireAsync(Duration.ZERO));
  }

  /**
   * Asynchronous acquire: completes with true when granted, false when {@code timeout} passed
   * (null: wait however long; zero: do not wait). Cancelling the future withdraws the request,
   * and releases the lock if the grant raced the cancellation.
   */
  public CompletableFuture<Boolean> acquireAsync(Duration timeout) {
    CompletableFuture<Boolean> f = new AcquireFuture();
    ctx.loop.execute(() -> startAcquire(timeout, f));
    return f;
  }

  /** An acquire's future: cancelling it withdraws the request (no listener per acquire needed). */
  private final class AcquireFuture extends Dispatcher.Awaited<Boolean> {
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        ctx.loop.execute(() -> cancelled(this));
      }
      return cancelled;
    }

    @Override
    public boolean completeExceptionally(Throwable t) {
      boolean done = super.completeExceptionally(t);
      if (done && t instanceof CancellationException) {
        ctx.loop.execute(() -> cancelled(this));
      }
      return done;
    }
  }

  /**
   * Releases the lock (or withdraws a pending acquire). Nothing to do if it is not held; a lock
   * already lost counts as released.
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
    if (phase != Phase.IDLE && phase != Phase.LOST) {
      ctx.dispatcher.fail(f, new IllegalStateException("lock " + path + " is already held or being acquired (" + phase + ")"));
      return;
    }
    phase = Phase.REQUESTING;
    attempt = f;
    waitForever = timeout == null;
    long waitNanos = timeout == null ? 0 : Math.max(0, timeout.toNanos());
    waitEndNanos = ctx.clock.nanoTime() + waitNanos;
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
          s.locks().attach(this);
          sendAcquire();
        });
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
    s.submit(
        ACQUIRE,
        h -> AcquireRequest.newBuilder().setHeader(h).setPath(path).setMode(mode.toProto()).setWaitMillis(wait).build(),
        (AcquireResponse answer, LockdException error) -> onAcquireAnswer(s, answer, error),
        seq -> {
          requestSequence = seq;
          s.locks().expectOutcome(seq, this);
        });
  }

  private void onAcquireAnswer(Session s, AcquireResponse answer, LockdException error) {
    if (s != session || phase != Phase.REQUESTING) {
      return; // withdrawn meanwhile: the Release queued behind this settles it
    }
    if (error != null) {
      s.locks().outcomeSettled(requestSequence);
      boolean busy = error.reason() == ErrorReason.ERROR_REASON_LOCK_BUSY;
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
    if (!waitForever) {
      // The cell ends the wait at its own deadline; this only covers an outcome lost in a failover.
      long margin = 2 * ctx.attemptTimeoutNanos + TimeUnit.SECONDS.toNanos(1);
      giveUpTimer = ctx.clock.schedule(Math.max(0, waitEndNanos - ctx.clock.nanoTime()) + margin, this::withdraw);
    }
  }

  @Override
  public void onOutcome(Event e) {
    if (phase == Phase.REQUESTING) {
      earlyOutcome = e; // the outcome overtook the Acquire's answer
      return;
    }
    if (phase != Phase.WAITING) {
      return;
    }
    giveUpTimer.cancel();
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
          finish(Phase.IDLE, null, new LockdException(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NODE_NOT_FOUND,
              "node " + path + " was deleted while waiting for its lock"));
    }
  }

  private void granted(Sequencer seq, long index) {
    giveUpTimer.cancel();
    session.locks().outcomeSettled(requestSequence);
    session.locks().holding(path, this);
    sequencer = seq;
    phase = session.stateOnLoop() == SessionState.CONNECTED ? Phase.HELD : Phase.SUSPECT;
    publishedSequencer = seq;
    publishedHeld = phase == Phase.HELD;
    CompletableFuture<Boolean> f = attempt;
    attempt = null;
    grantedAttempt = f;
    session.order().afterIndex(index, () -> ctx.dispatcher.complete(f, true));
  }

  /** Gives up a pending acquire: the Release withdraws it, or releases a grant still in flight. */
  private void withdraw() {
    if (phase != Phase.REQUESTING && phase != Phase.WAITING) {
      return;
    }
    giveUpTimer.cancel();
    phase = Phase.WITHDRAWING;
    Session s = session;
    if (s == null) {
      finish(Phase.IDLE, false, null); // no session yet: nothing was sent
      return;
    }
    s.locks().outcomeSettled(requestSequence);
    s.submit(
        RELEASE,
        h -> ReleaseRequest.newBuilder().setHeader(h).setPath(path).build(),
        (ReleaseResponse answer, LockdException error) -> {
          if (phase == Phase.WITHDRAWING && s == session) {
            finish(Phase.IDLE, error instanceof SessionExpiredException ? null : Boolean.FALSE,
                error instanceof SessionExpiredException ? error : null);
          }
        });
  }

  /** The caller gave up on {@code f}: withdraw it, or undo its grant if that came first. */
  private void cancelled(CompletableFuture<Boolean> f) {
    if (attempt == f) {
      withdraw();
    } else if (grantedAttempt == f && (phase == Phase.HELD || phase == Phase.SUSPECT)) {
      startRelease(new CompletableFuture<>());
    }
  }

  // ------------------------------------------------------------------ releasing (loop)

  private void startRelease(CompletableFuture<Void> f) {
    switch (phase) {
      case HELD, SUSPECT -> {
        phase = Phase.RELEASING;
        publishedHeld = false;
        Session s = session;
        s.submit(
            RELEASE,
            h -> ReleaseRequest.newBuilder().setHeader(h).setPath(path).build(),
            (ReleaseResponse answer, LockdException error) -> {
              if (error != null && !alreadyGone(error)) {
                // The cell refused for another reason; the lock may still be held.
                if (phase == Phase.RELEASING) {
                  phase = Phase.HELD;
                  publishedHeld = s.stateOnLoop() == SessionState.CONNECTED;
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
        || e.reason() == ErrorReason.ERROR_REASON_LOCK_NOT_HELD
        || e.reason() == ErrorReason.ERROR_REASON_NODE_NOT_FOUND;
  }

  private void clearHold(Phase next) {
    if (session != null) {
      session.locks().notHolding(path, this);
    }
    phase = next;
    sequencer = null;
    publishedSequencer = null;
    publishedHeld = false;
    detachIfDone();
  }

  private void finish(Phase next, Boolean value, Throwable error) {
    giveUpTimer.cancel();
    phase = next;
    detachIfDone();
    CompletableFuture<Boolean> f = attempt;
    attempt = null;
    if (f != null) {
      if (error != null) {
        ctx.dispatcher.fail(f, error);
      } else {
        ctx.dispatcher.complete(f, value);
      }
    }
  }

  /** A lock that neither holds nor waits leaves its session, which may then end without it. */
  private void detachIfDone() {
    if ((phase == Phase.IDLE || phase == Phase.LOST) && session != null) {
      session.locks().detach(this);
      session = null;
    }
  }

  // ------------------------------------------------------------------ session news (loop)

  @Override
  public void onHolderEvent(Event e) {
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

  @Override
  public void onSessionState(SessionState from, SessionState to) {
    switch (to) {
      case JEOPARDY -> {
        if (phase == Phase.HELD) {
          phase = Phase.SUSPECT;
          publishedHeld = false;
          lost(LockLossReason.SESSION_JEOPARDY);
        }
      }
      case CONNECTED -> {
        if (phase == Phase.SUSPECT) {
          phase = Phase.HELD;
          publishedHeld = true;
          if (listener != null) {
            ctx.dispatcher.run("a lock listener", () -> listener.onRestored(this));
          }
        }
      }
      case EXPIRED, CLOSED -> {
        boolean wasHeld = phase == Phase.HELD || phase == Phase.SUSPECT;
        long id = session.id();
        if (attempt != null) {
          finish(phase, null, new SessionExpiredException(id, "session " + id + " ended while acquiring " + path));
        }
        clearHold(wasHeld ? Phase.LOST : Phase.IDLE);
        if (wasHeld) {
          lost(to == SessionState.EXPIRED ? LockLossReason.SESSION_EXPIRED : LockLossReason.SESSION_CLOSED);
        }
      }
    }
  }

  @Override
  public void onResync() {
    if (phase != Phase.WAITING) {
      return;
    }
    // The grant or timeout may have been among the dropped events: ask the cell.
    Session s = session;
    long seq = requestSequence;
    client.lockInfoOnLoop(path, (LockInfo info, LockdException error) -> {
      if (s != session || phase != Phase.WAITING || seq != requestSequence || error != null) {
        return;
      }
      for (LockHolder h : info.getHoldersList()) {
        if (h.getSessionId() == s.id()) {
          granted(new Sequencer(path, LockMode.fromProto(h.getMode()), h.getLockGeneration(), info.getInstance(), s.id()), 0);
          return;
        }
      }
      boolean stillWaiting = info.getWaitersList().stream().anyMatch(w -> w.getSessionId() == s.id());
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
