package io.lockd.client;

/**
 * Why a {@link DistributedLock} stopped being safely held.
 *
 * <pre>{@code
 * client.lock("/jobs/x", LockMode.EXCLUSIVE, (lock, reason) -> {
 *   if (reason == LockLossReason.SESSION_JEOPARDY) pauseWrites(); else abortJob();
 * });
 * }</pre>
 */
public enum LockLossReason {
  /**
   * The session's local lease ran out: the lock may be lost. Stop acting on it; if the session
   * reconnects within its grace period the lock is still held ({@link LockListener#onRestored}).
   */
  SESSION_JEOPARDY,
  /** The session expired: the lock is gone (another holder may have it after the lock-delay). */
  SESSION_EXPIRED,
  /** The session was closed: the lock was released. */
  SESSION_CLOSED,
  /** The node was deleted (its ephemeral owner's session ended): the lock is gone. */
  NODE_DELETED
}
