package io.lockd.cli;

import io.grpc.Status;
import io.lockd.client.LockdException;

/**
 * lockctl's exit codes. {@code lock} and {@code elect} exit with their command's code instead when
 * the command ran.
 */
final class ExitCodes {
  /** Success. */
  static final int OK = 0;

  /** A failure not covered below (the message says what). */
  static final int FAILED = 1;

  /** Bad usage or bad input: unknown option, malformed path or argument. */
  static final int USAGE = 2;

  /** The cell could not be reached, or no leader answered in time. */
  static final int UNAVAILABLE = 3;

  /** The node (or session) does not exist. */
  static final int NOT_FOUND = 4;

  /** The cell refused for the current state: exists, not empty, generation mismatch, locked... */
  static final int REFUSED = 5;

  /** The lock (or leadership) was not obtained in time. */
  static final int NOT_ACQUIRED = 6;

  /** The lock or leadership was lost while the command ran; the command was stopped. */
  static final int LOST = 7;

  /** The caller's identity lacks a right: a node's ACL, the cell's admin right, a session. */
  static final int DENIED = 8;

  private ExitCodes() {}

  static int of(LockdException e) {
    if (e.reason() == LockdException.Reason.LOCK_BUSY) {
      return NOT_ACQUIRED;
    }
    Status.Code code = e.code();
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE;
      case NOT_FOUND -> NOT_FOUND;
      case INVALID_ARGUMENT -> USAGE;
      case PERMISSION_DENIED -> DENIED;
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, RESOURCE_EXHAUSTED -> REFUSED;
      default -> FAILED;
    };
  }
}
