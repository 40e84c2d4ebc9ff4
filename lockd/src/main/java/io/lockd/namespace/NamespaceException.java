package io.lockd.namespace;

import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceError;
import io.lockd.proto.v1.ErrorReason;
import java.util.Locale;

/**
 * A request the namespace refuses, with what was wrong. Commands turn it into a {@link
 * NamespaceError} in their result; read queries throw it to the server. {@link #code} is numbered
 * as the gRPC status code the server answers with ({@code Status.fromCodeValue(code.getNumber())});
 * {@link #reason} is the finer {@link ErrorReason} for the client.
 *
 * <p>Messages are formatted with {@link Locale#ROOT}: they go into results and into the snapshot
 * (the exactly-once record), so a replica whose default locale writes digits differently would
 * otherwise diverge.
 *
 * <p>Refusals are ordinary outcomes (a busy lock, a taken name), so this exception carries no stack
 * trace: building one would cost more than the command.
 */
public final class NamespaceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final ErrorReason reason;

  NamespaceException(ErrorCode code, ErrorReason reason, String message) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
  }

  /** The gRPC status code, as the same number. */
  public ErrorCode code() {
    return code;
  }

  /** What went wrong, for programs. */
  public ErrorReason reason() {
    return reason;
  }

  /** The error as it goes into a command result. */
  public NamespaceError toProto() {
    return NamespaceError.newBuilder()
        .setCode(code)
        .setReason(reason)
        .setMessage(getMessage())
        .build();
  }

  static NamespaceException invalid(ErrorReason reason, String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT, reason, String.format(Locale.ROOT, format, args));
  }

  static NamespaceException badArgument(String format, Object... args) {
    return invalid(ErrorReason.ERROR_REASON_BAD_ARGUMENT, format, args);
  }

  static NamespaceException notFound(ErrorReason reason, String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_NOT_FOUND, reason, String.format(Locale.ROOT, format, args));
  }

  static NamespaceException alreadyExists(String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_ALREADY_EXISTS,
        ErrorReason.ERROR_REASON_NODE_EXISTS,
        String.format(Locale.ROOT, format, args));
  }

  static NamespaceException failedPrecondition(ErrorReason reason, String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION, reason, String.format(Locale.ROOT, format, args));
  }

  static NamespaceException limitReached(String limit, long value, String what) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_RESOURCE_EXHAUSTED,
        ErrorReason.ERROR_REASON_LIMIT_REACHED,
        String.format(Locale.ROOT, "%s: limit %s=%d reached", what, limit, value));
  }

  static NamespaceException busy(String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_ABORTED,
        ErrorReason.ERROR_REASON_LOCK_BUSY,
        String.format(Locale.ROOT, format, args));
  }

  static NamespaceException sessionNotFound(long sessionId) {
    return notFound(
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND,
        "session %d does not exist (expired, closed, or never created)",
        sessionId);
  }

  static NamespaceException nodeNotFound(String path) {
    return notFound(
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND, "node %s does not exist", NodePath.quote(path));
  }
}
