package io.lockd.client;

import io.grpc.Status;
import io.lockd.proto.v1.ErrorReason;

/**
 * A lockd operation failed. {@link #code} is the gRPC status code (NOT_FOUND, ALREADY_EXISTS,
 * FAILED_PRECONDITION, ABORTED, UNAVAILABLE, DEADLINE_EXCEEDED, ...) and {@link #reason} the cell's
 * finer {@link Reason}, which programs switch on; the message says what was wrong in words.
 *
 * <p>The client retries on its own whatever is safe to retry (an unreachable or non-leader replica,
 * a lost answer); what reaches the caller is final: either the cell's answer or the end of the
 * caller's time budget.
 *
 * <pre>{@code
 * try {
 *   client.createFile("/config/db", bytes);
 * } catch (LockdException e) {
 *   if (e.reason() != LockdException.Reason.NODE_EXISTS) {
 *     throw e;
 *   }
 * }
 * }</pre>
 */
public class LockdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final Reason reason;

  /**
   * The cell's reason for a refusal, finer than the status code (the wire's {@code ErrorReason} of
   * lockd.proto, without its prefix; docs/protocol.md says when each is given).
   *
   * <pre>{@code
   * switch (e.reason()) {
   *   case NODE_NOT_FOUND -> createIt();
   *   case GENERATION_MISMATCH -> readAgainAndRetry();
   *   default -> throw e;
   * }
   * }</pre>
   */
  public enum Reason {
    /** None given (also a transport failure or a deadline). */
    UNSPECIFIED,
    /** INVALID_ARGUMENT: the path is malformed, too long or too deep. */
    BAD_PATH,
    /** INVALID_ARGUMENT: the contents exceed the content size limit. */
    CONTENT_TOO_LARGE,
    /** INVALID_ARGUMENT: another field is missing or out of range (the message names it). */
    BAD_ARGUMENT,
    /** NOT_FOUND: the session expired, was closed, or never existed. */
    SESSION_NOT_FOUND,
    /** NOT_FOUND: the node does not exist. */
    NODE_NOT_FOUND,
    /** NOT_FOUND: the parent directory of the node to create does not exist. */
    PARENT_NOT_FOUND,
    /** ALREADY_EXISTS: a node already exists at the path. */
    NODE_EXISTS,
    /** FAILED_PRECONDITION: the operation needs a directory (or a file) and the node is not one. */
    WRONG_NODE_KIND,
    /** FAILED_PRECONDITION: the directory to delete still has children. */
    DIRECTORY_NOT_EMPTY,
    /** FAILED_PRECONDITION: an expected instance or content generation did not match. */
    GENERATION_MISMATCH,
    /** FAILED_PRECONDITION: the request's sequence number was stale. */
    STALE_SEQUENCE,
    /** ABORTED: the lock cannot be granted now and the acquire did not ask to wait. */
    LOCK_BUSY,
    /** FAILED_PRECONDITION: the session neither holds nor waits for the lock. */
    LOCK_NOT_HELD,
    /** FAILED_PRECONDITION: the session already holds or waits for this lock. */
    LOCK_ALREADY_HELD,
    /** FAILED_PRECONDITION: the node cannot be deleted while its lock has holders or waiters. */
    NODE_LOCKED,
    /** FAILED_PRECONDITION: the sequencer is not (or no longer) valid. */
    SEQUENCER_INVALID,
    /** RESOURCE_EXHAUSTED: a configured limit was reached, or the replica is overloaded. */
    LIMIT_REACHED,
    /** FAILED_PRECONDITION: the session's lease has not run out yet (leader-internal). */
    LEASE_NOT_EXPIRED,
    /** FAILED_PRECONDITION: the operation is not allowed on this node. */
    NOT_ALLOWED,
    /** UNAVAILABLE: the replica that answered does not serve as leader. */
    NOT_LEADER,
    /** UNAVAILABLE: the request was proposed but its outcome is unknown. */
    OUTCOME_UNKNOWN,
    /**
     * PERMISSION_DENIED: the caller's identity lacks a right: on a node (its ACL; the message names
     * the node and the right), the cell's admin right, or the session is another identity's.
     */
    PERMISSION_DENIED,
    /** A group file under /lockd/groups/ is malformed (the message names the file and line). */
    BAD_GROUP_FILE,
    /**
     * RESOURCE_EXHAUSTED: the replica is busy (its admission limit for session creations or
     * KeepAlive stream openings); nothing was done. The client retries these itself, with backoff.
     */
    BUSY;

    private static final String WIRE_PREFIX = "ERROR_REASON_";

    /** The reason of a wire reason; UNSPECIFIED for none or one this client does not know. */
    static Reason fromProto(ErrorReason reason) {
      if (reason == null || !reason.name().startsWith(WIRE_PREFIX)) {
        return UNSPECIFIED;
      }
      try {
        return valueOf(reason.name().substring(WIRE_PREFIX.length()));
      } catch (IllegalArgumentException newerServer) {
        return UNSPECIFIED;
      }
    }
  }

  /** A failure with the cell's reason ({@code null}: UNSPECIFIED). */
  public LockdException(Status.Code code, Reason reason, String message) {
    this(code, reason, message, null);
  }

  /** A failure with the cell's reason ({@code null}: UNSPECIFIED) and its cause. */
  public LockdException(Status.Code code, Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason == null ? Reason.UNSPECIFIED : reason;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The cell's finer reason, or {@link Reason#UNSPECIFIED} if it gave none. */
  public Reason reason() {
    return reason;
  }

  /** True if the failure is the cell being unreachable or leaderless for the whole time budget. */
  public boolean isUnavailable() {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }
}
