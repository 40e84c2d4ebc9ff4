package io.lockd.client;

import io.grpc.Status;
import io.lockd.proto.v1.ErrorReason;

/**
 * A lockd operation failed. {@link #code} is the gRPC status code (NOT_FOUND, ALREADY_EXISTS,
 * FAILED_PRECONDITION, ABORTED, UNAVAILABLE, DEADLINE_EXCEEDED, ...) and {@link #reason} the cell's
 * finer {@link ErrorReason}, which programs switch on; the message says what was wrong in words.
 *
 * <p>The client retries on its own whatever is safe to retry (an unreachable or non-leader
 * replica, a lost answer); what reaches the caller is final: either the cell's answer or the end
 * of the caller's time budget.
 *
 * <pre>{@code
 * try {
 *   client.createFile("/config/db", bytes);
 * } catch (LockdException e) {
 *   if (e.reason() != ErrorReason.ERROR_REASON_NODE_EXISTS) {
 *     throw e;
 *   }
 * }
 * }</pre>
 */
public class LockdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final ErrorReason reason;

  public LockdException(Status.Code code, ErrorReason reason, String message) {
    this(code, reason, message, null);
  }

  public LockdException(Status.Code code, ErrorReason reason, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason == null ? ErrorReason.ERROR_REASON_UNSPECIFIED : reason;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The cell's finer reason, or {@code ERROR_REASON_UNSPECIFIED} if it gave none. */
  public ErrorReason reason() {
    return reason;
  }

  /** True if the failure is the cell being unreachable or leaderless for the whole time budget. */
  public boolean isUnavailable() {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }
}
