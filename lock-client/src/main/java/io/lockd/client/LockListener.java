package io.lockd.client;

/**
 * The "lock lost" callback of a {@link DistributedLock}, with optional extras. Runs on the client's
 * event thread; must not block.
 *
 * <pre>{@code
 * DistributedLock lock = client.lock("/jobs/nightly", LockMode.EXCLUSIVE, (l, reason) -> worker.stop());
 * }</pre>
 */
@FunctionalInterface
public interface LockListener {
  /** The lock is (or may be, for SESSION_JEOPARDY) no longer held. */
  void onLost(DistributedLock lock, LockLossReason reason);

  /** After SESSION_JEOPARDY: the session reconnected in time and still holds the lock. */
  default void onRestored(DistributedLock lock) {}

  /** Another session started waiting for this lock: a hint to release it soon. */
  default void onConflict(DistributedLock lock, long waitingSessionId) {}
}
