package io.lockd.namespace;

import io.lockd.invariant.Invariants;
import java.util.Collection;
import java.util.Collections;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every lock that has holders, waiters or a running lock-delay, by path, and the timers they need.
 * Its mutators keep three views in step: the lock itself, the session's own sets of held and
 * awaited locks, and the timers (one per waiter deadline, one per running lock-delay). Locks are
 * keyed by path rather than by node so that a lock-delay outlives a deleted node: a node created
 * again at the path during the delay is not granted early.
 */
final class LockTable {
  private final TreeMap<String, LockState> locks = new TreeMap<>();
  private final TreeSet<Timer> timers = new TreeSet<>();

  /** The lock at {@code path}, or null if it is free with no delay. */
  LockState find(String path) {
    return locks.get(path);
  }

  LockState getOrCreate(String path) {
    return locks.computeIfAbsent(path, LockState::new);
  }

  /** Forgets a lock that no longer has holders, waiters or delay. */
  void dropIfEmpty(LockState lock) {
    if (lock.isEmpty()) {
      locks.remove(lock.path);
    }
  }

  /** Every stored lock, ascending by path. */
  Collection<LockState> all() {
    return Collections.unmodifiableCollection(locks.values());
  }

  void addHolder(LockState lock, Session session, Holder holder) {
    Invariants.check(holder.sessionId() == session.id, "holder must be the session");
    lock.putHolder(holder);
    session.addHeld(lock.path);
  }

  Holder removeHolder(LockState lock, Session session) {
    Holder holder = lock.removeHolder(session.id);
    Invariants.check(holder != null, "session %d does not hold %s", session.id, lock.path);
    session.removeHeld(lock.path);
    return holder;
  }

  void addWaiter(LockState lock, Session session, Waiter waiter) {
    Invariants.check(waiter.sessionId() == session.id, "waiter must be the session");
    lock.addWaiter(waiter);
    timers.add(Timer.waitDeadline(lock.path, waiter));
    session.addWaiting(lock.path);
  }

  void removeWaiter(LockState lock, Session session, Waiter waiter) {
    lock.removeWaiter(waiter);
    Invariants.check(timers.remove(Timer.waitDeadline(lock.path, waiter)), "waiter without timer");
    session.removeWaiting(lock.path);
  }

  /** Makes the lock-delay run until at least {@code untilMillis}. */
  void extendDelay(LockState lock, long untilMillis) {
    long current = lock.delayUntilMillis();
    if (untilMillis <= current) {
      return;
    }
    if (current != 0) {
      timers.remove(Timer.delayEnd(lock.path, current));
    }
    lock.setDelayUntil(untilMillis);
    timers.add(Timer.delayEnd(lock.path, untilMillis));
  }

  /** Ends the lock-delay whose timer {@link #pollDue} just returned. */
  void delayEnded(LockState lock) {
    lock.setDelayUntil(0);
  }

  /** Removes the waiter whose deadline timer {@link #pollDue} just returned. */
  void waitEnded(LockState lock, Session session, Waiter waiter) {
    lock.removeWaiter(waiter);
    session.removeWaiting(lock.path);
  }

  /** Removes and returns the earliest timer due at {@code nowMillis}, or null if none is. */
  Timer pollDue(long nowMillis) {
    if (timers.isEmpty() || timers.first().atMillis() > nowMillis) {
      return null;
    }
    return timers.pollFirst();
  }

  /** Leader time of the earliest timer, if any: when the leader should propose a Tick. */
  OptionalLong nextTimerMillis() {
    return timers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(timers.first().atMillis());
  }

  int timerCount() {
    return timers.size();
  }
}
