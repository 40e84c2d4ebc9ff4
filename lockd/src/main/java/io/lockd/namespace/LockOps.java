package io.lockd.namespace;

import io.lockd.invariant.Invariants;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.AcquireOutcome;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.ReleaseOutcome;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.QueuedAcquire;
import io.lockd.proto.v1.ReleaseReason;
import io.lockd.proto.v1.Sequencer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader-writer locks with FIFO waiters, sequencers and lock-delay.
 *
 * <ul>
 *   <li>A request is granted at once only if nobody waits ahead of it, no lock-delay runs, and its
 *       mode fits the holders (shared beside shared). So a shared request behind a queued exclusive
 *       one waits: writers do not starve.
 *   <li>Every grant takes the next cell-wide lock generation; the sequencer carries it with the
 *       node's instance and the holder's session.
 *   <li>Waiters are granted from the head of the queue as far as they fit (a run of shared waiters
 *       is granted together). A waiter whose deadline has come is removed first.
 *   <li>When a holder's session expires, the lock gets its node's lock-delay: nobody is granted it
 *       before leader time reaches expiry + delay. A release or a clean close sets no delay.
 * </ul>
 */
final class LockOps {
  private final NamespaceState state;
  private final EventRouter events;

  LockOps(NamespaceState state, EventRouter events) {
    this.state = state;
    this.events = events;
  }

  AcquireOutcome acquire(Session session, String identity, long sequence, AcquireOp op) {
    String path = NodePath.validate(op.getPath(), state.limits);
    LockMode mode = requireMode(op.getMode());
    Node node = state.nodes.get(path);
    Access.require(state, node, identity, Acl.LOCK);
    LockState existing = state.locks.find(path);
    if (existing != null
        && (existing.holder(session.id) != null || existing.waiter(session.id) != null)) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD,
          "session %d already %s lock %s; release it first",
          session.id,
          existing.holder(session.id) != null ? "holds" : "waits for",
          NodePath.quote(path));
    }
    long now = state.clockMillis;
    if (existing == null || existing.grantableNow(mode, now)) {
      Sequencer granted = grant(state.locks.getOrCreate(path), node, session, mode);
      return AcquireOutcome.newBuilder().setGranted(granted).build();
    }
    if (op.getWaitMillis() == 0) {
      throw NamespaceException.busy(
          "lock %s %s", NodePath.quote(path), whyBusy(existing, mode, now));
    }
    int ahead = existing.waiters().size();
    if (ahead >= state.limits.maxWaitersPerLock()) {
      throw NamespaceException.limitReached(
          "maxWaitersPerLock",
          state.limits.maxWaitersPerLock(),
          "lock " + NodePath.quote(path) + " has too many waiters");
    }
    long waitMillis = clampUnsigned(op.getWaitMillis(), state.limits.maxWaitMillis());
    Waiter waiter = new Waiter(session.id, mode, now, now + waitMillis, sequence);
    state.locks.addWaiter(existing, session, waiter);
    if (ahead == 0 && !existing.holders().isEmpty()) {
      events.lockConflict(existing, waiter);
    }
    QueuedAcquire queued =
        QueuedAcquire.newBuilder()
            .setDeadlineMillis(waiter.deadlineMillis())
            .setWaitersAhead(ahead)
            .build();
    return AcquireOutcome.newBuilder().setQueued(queued).build();
  }

  ReleaseOutcome release(Session session, String identity, ReleaseOp op) {
    String path = NodePath.validate(op.getPath(), state.limits);
    Access.require(state, state.nodes.get(path), identity, Acl.LOCK);
    LockState lock = state.locks.find(path);
    Holder holder = lock == null ? null : lock.holder(session.id);
    Waiter waiter = lock == null ? null : lock.waiter(session.id);
    if (holder == null && waiter == null) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_LOCK_NOT_HELD,
          "session %d neither holds nor waits for lock %s",
          session.id,
          NodePath.quote(path));
    }
    if (holder != null) {
      state.locks.removeHolder(lock, session);
      events.lockReleased(path, holder, ReleaseReason.RELEASE_REASON_RELEASED);
    } else {
      state.locks.removeWaiter(lock, session, waiter);
    }
    promote(lock);
    return ReleaseOutcome.newBuilder().setWasWaiting(holder == null).build();
  }

  /** Lets time pass: ends waits whose deadline came and lock-delays that ran out, in order. */
  void fireDueTimers() {
    Timer timer;
    while ((timer = state.locks.pollDue(state.clockMillis)) != null) {
      LockState lock = state.locks.find(timer.path());
      Invariants.check(lock != null, "timer %s for a lock that is gone", timer);
      if (timer.kind() == Timer.Kind.WAIT_DEADLINE) {
        Waiter waiter = lock.waiter(timer.sessionId());
        Invariants.check(waiter != null, "timer %s for a waiter that is gone", timer);
        state.locks.waitEnded(lock, state.sessions.get(waiter.sessionId()), waiter);
        events.waitEnded(lock.path, waiter, EventType.EVENT_TYPE_LOCK_WAIT_TIMED_OUT);
      } else {
        Invariants.check(
            lock.delayUntilMillis() == timer.atMillis(), "stale delay timer %s", timer);
        state.locks.delayEnded(lock);
      }
      promote(lock);
    }
  }

  /** Withdraws every queued acquire of an ending session. */
  void dropWaits(Session session) {
    for (String path : List.copyOf(session.waitingLocks())) {
      LockState lock = state.locks.find(path);
      state.locks.removeWaiter(lock, session, lock.waiter(session.id));
      promote(lock);
    }
  }

  /** Releases every hold of an ending session; an expiry starts each lock's lock-delay. */
  void releaseAll(Session session, ReleaseReason reason) {
    for (String path : List.copyOf(session.heldLocks())) {
      LockState lock = state.locks.find(path);
      Holder holder = state.locks.removeHolder(lock, session);
      events.lockReleased(path, holder, reason);
      startDelayIfExpired(lock, state.nodes.get(path), reason);
      promote(lock);
    }
  }

  /**
   * Clears the lock of a node deleted because its ephemeral owner {@code ending} ended: the other
   * holders lose it (LOCK_LOST), the other waiters are cancelled. A lock-delay the owner's expiry
   * starts stays on the path.
   */
  void revokeForDeletion(Node node, Session ending, ReleaseReason endingReason) {
    LockState lock = state.locks.find(node.path);
    if (lock == null) {
      return;
    }
    for (Holder holder : List.copyOf(lock.holders())) {
      boolean own = holder.sessionId() == ending.id;
      state.locks.removeHolder(lock, own ? ending : state.sessions.get(holder.sessionId()));
      events.lockReleased(
          node.path, holder, own ? endingReason : ReleaseReason.RELEASE_REASON_NODE_DELETED);
      if (own) {
        startDelayIfExpired(lock, node, endingReason);
      } else {
        events.lockLost(node.path, holder);
      }
    }
    for (Waiter waiter : List.copyOf(lock.waiters())) {
      boolean own = waiter.sessionId() == ending.id;
      state.locks.removeWaiter(lock, own ? ending : state.sessions.get(waiter.sessionId()), waiter);
      if (!own) {
        events.waitEnded(node.path, waiter, EventType.EVENT_TYPE_LOCK_WAIT_CANCELLED);
      }
    }
    state.locks.dropIfEmpty(lock);
  }

  private void startDelayIfExpired(LockState lock, Node node, ReleaseReason reason) {
    if (reason == ReleaseReason.RELEASE_REASON_SESSION_EXPIRED && node.lockDelayMillis > 0) {
      state.locks.extendDelay(lock, state.clockMillis + node.lockDelayMillis);
    }
  }

  /**
   * Grants queued acquires from the head of the queue for as long as they fit. A head whose
   * deadline has come (its timer is due later in this same firing) times out instead: a grant
   * happens only at a leader time before the waiter's deadline.
   */
  private void promote(LockState lock) {
    long now = state.clockMillis;
    Waiter waiter;
    while ((waiter = lock.firstWaiter()) != null) {
      Session session = state.sessions.get(waiter.sessionId());
      if (waiter.deadlineMillis() <= now) {
        state.locks.removeWaiter(lock, session, waiter);
        events.waitEnded(lock.path, waiter, EventType.EVENT_TYPE_LOCK_WAIT_TIMED_OUT);
        continue;
      }
      if (now < lock.delayUntilMillis() || !lock.compatible(waiter.mode())) {
        break;
      }
      state.locks.removeWaiter(lock, session, waiter);
      Sequencer granted = grant(lock, state.nodes.get(lock.path), session, waiter.mode());
      events.lockGranted(waiter, granted);
    }
    state.locks.dropIfEmpty(lock);
  }

  private Sequencer grant(LockState lock, Node node, Session session, LockMode mode) {
    long generation = state.nextLockGeneration();
    state.nodes.setLockGeneration(node, generation);
    Holder holder = new Holder(session.id, mode, generation, state.clockMillis);
    state.locks.addHolder(lock, session, holder);
    events.lockAcquired(lock.path, holder);
    return sequencer(node, holder);
  }

  static Sequencer sequencer(Node node, Holder holder) {
    return Sequencer.newBuilder()
        .setPath(node.path)
        .setMode(holder.mode())
        .setLockGeneration(holder.generation())
        .setInstance(node.instance)
        .setSessionId(holder.sessionId())
        .build();
  }

  static LockMode requireMode(LockMode mode) {
    if (mode != LockMode.LOCK_MODE_EXCLUSIVE && mode != LockMode.LOCK_MODE_SHARED) {
      throw NamespaceException.badArgument("lock mode must be EXCLUSIVE or SHARED, was %s", mode);
    }
    return mode;
  }

  private static String whyBusy(LockState lock, LockMode mode, long now) {
    if (now < lock.delayUntilMillis()) {
      return "is in lock-delay for another " + (lock.delayUntilMillis() - now) + " ms";
    }
    if (!lock.compatible(mode)) {
      List<Long> holders = new ArrayList<>();
      lock.holders().forEach(h -> holders.add(h.sessionId()));
      String how = lock.mode() == LockMode.LOCK_MODE_EXCLUSIVE ? "exclusively" : "shared";
      return "is held " + how + " by session(s) " + holders;
    }
    return "has " + lock.waiters().size() + " waiter(s) queued ahead";
  }

  /** A uint64 duration from the wire, clamped to {@code max} (values above 2^63 read negative). */
  static long clampUnsigned(long value, long max) {
    return value < 0 || value > max ? max : value;
  }
}
