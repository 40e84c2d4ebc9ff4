package io.lockd.client;

import io.grpc.Status;

/**
 * The session an operation needed has ended: its lease ran out (the client could not reach a leader
 * within the grace period, or the cell expired it), an administrator closed it, or the application
 * closed it. Its locks are gone and its ephemeral nodes deleted. The {@link LockClient} opens a new
 * session for the next operation; locks must be acquired again.
 *
 * <pre>{@code
 * try {
 *   lock.acquire(Duration.ofSeconds(5));
 * } catch (SessionExpiredException e) {
 *   // whatever the old session held is gone; start over
 * }
 * }</pre>
 */
public final class SessionExpiredException extends LockdException {
  private static final long serialVersionUID = 1L;

  private final long sessionId;

  public SessionExpiredException(long sessionId, String message) {
    super(Status.Code.NOT_FOUND, LockdException.Reason.SESSION_NOT_FOUND, message);
    this.sessionId = sessionId;
  }

  /** The id of the session that ended. */
  public long sessionId() {
    return sessionId;
  }
}
