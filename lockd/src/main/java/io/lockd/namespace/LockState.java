package io.lockd.namespace;

import io.lockd.proto.v1.LockMode;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

/**
 * The reader-writer lock of one path: its holders (by session id), its FIFO queue of waiters and
 * the end of a running lock-delay. A lock with none of these is not stored at all.
 */
final class LockState {
  final String path;
  private final TreeMap<Long, Holder> holders = new TreeMap<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  /** Leader time at which the lock-delay ends; 0 when none runs. */
  private long delayUntilMillis;

  LockState(String path) {
    this.path = path;
  }

  Collection<Holder> holders() {
    return Collections.unmodifiableCollection(holders.values());
  }

  /** The holders with a session id above {@code sessionId}, ascending (a listing's next page). */
  Collection<Holder> holdersAfter(long sessionId) {
    return Collections.unmodifiableCollection(holders.tailMap(sessionId, false).values());
  }

  Holder holder(long sessionId) {
    return holders.get(sessionId);
  }

  /** Waiters in FIFO order, the next first. */
  Collection<Waiter> waiters() {
    return Collections.unmodifiableCollection(waiters);
  }

  Waiter firstWaiter() {
    return waiters.peekFirst();
  }

  Waiter waiter(long sessionId) {
    for (Waiter w : waiters) {
      if (w.sessionId() == sessionId) {
        return w;
      }
    }
    return null;
  }

  long delayUntilMillis() {
    return delayUntilMillis;
  }

  /** How the lock is held now: EXCLUSIVE, SHARED, or UNSPECIFIED when free. */
  LockMode mode() {
    return holders.isEmpty()
        ? LockMode.LOCK_MODE_UNSPECIFIED
        : holders.firstEntry().getValue().mode();
  }

  /** Whether a request in {@code mode} fits beside the current holders. */
  boolean compatible(LockMode mode) {
    return holders.isEmpty()
        || (mode == LockMode.LOCK_MODE_SHARED && mode() == LockMode.LOCK_MODE_SHARED);
  }

  /** Whether a new acquire could be granted at {@code nowMillis} without waiting. */
  boolean grantableNow(LockMode mode, long nowMillis) {
    return waiters.isEmpty() && nowMillis >= delayUntilMillis && compatible(mode);
  }

  boolean isEmpty() {
    return holders.isEmpty() && waiters.isEmpty() && delayUntilMillis == 0;
  }

  // Mutations below are called only by LockTable, which keeps the timers and sessions in step.

  void putHolder(Holder holder) {
    holders.put(holder.sessionId(), holder);
  }

  Holder removeHolder(long sessionId) {
    return holders.remove(sessionId);
  }

  void addWaiter(Waiter waiter) {
    waiters.addLast(waiter);
  }

  void removeWaiter(Waiter waiter) {
    waiters.remove(waiter);
  }

  void setDelayUntil(long untilMillis) {
    delayUntilMillis = untilMillis;
  }
}
