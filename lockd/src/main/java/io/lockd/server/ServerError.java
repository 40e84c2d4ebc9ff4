package io.lockd.server;

import io.lockd.namespace.NamespaceException;
import io.lockd.proto.ns.v1.NamespaceError;
import io.lockd.proto.v1.ErrorReason;
import java.util.Locale;

/**
 * A refusal to send to the client: a gRPC status code (by number, so that this package does not
 * depend on gRPC), the finer {@link ErrorReason}, a message saying what was wrong and, for {@link
 * #UNAVAILABLE} from a replica that does not lead, the leader it believes in (-1: none).
 */
public record ServerError(int code, ErrorReason reason, String message, int leaderHint) {
  public static final int INVALID_ARGUMENT = 3;
  public static final int NOT_FOUND = 5;
  public static final int ALREADY_EXISTS = 6;
  public static final int PERMISSION_DENIED = 7;
  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int FAILED_PRECONDITION = 9;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;

  /** No leader hint. */
  public static final int NO_HINT = -1;

  public static ServerError of(NamespaceException e) {
    return new ServerError(e.code().getNumber(), e.reason(), e.getMessage(), NO_HINT);
  }

  public static ServerError of(NamespaceError e) {
    return new ServerError(e.getCodeValue(), e.getReason(), e.getMessage(), NO_HINT);
  }

  /**
   * UNAVAILABLE (NOT_LEADER): ask the leader instead (the redirect rule, docs/protocol.md). The
   * reason lets a client tell this refusal from a dropped connection without parsing the message.
   */
  public static ServerError notLeader(int selfId, int leaderHint) {
    String where =
        leaderHint < 0 || leaderHint == selfId
            ? "no leader is serving yet; retry shortly"
            : "replica " + leaderHint + " leads; send requests there";
    return new ServerError(
        UNAVAILABLE,
        ErrorReason.ERROR_REASON_NOT_LEADER,
        "replica " + selfId + " is not serving as leader: " + where,
        leaderHint == selfId ? NO_HINT : leaderHint);
  }

  /**
   * UNAVAILABLE (OUTCOME_UNKNOWN): a proposed command got no outcome in time. It may still be
   * applied, so the client must resend it with the same sequence number, never a new one.
   */
  public static ServerError outcomeUnknown(String message, int leaderHint) {
    return new ServerError(
        UNAVAILABLE, ErrorReason.ERROR_REASON_OUTCOME_UNKNOWN, message, leaderHint);
  }

  public static ServerError unavailable(String message, int leaderHint) {
    return new ServerError(UNAVAILABLE, ErrorReason.ERROR_REASON_UNSPECIFIED, message, leaderHint);
  }

  public static ServerError badArgument(String format, Object... args) {
    return of(INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT, format, args);
  }

  public static ServerError of(int code, ErrorReason reason, String format, Object... args) {
    return new ServerError(code, reason, String.format(Locale.ROOT, format, args), NO_HINT);
  }

  public static ServerError permissionDenied(String message) {
    return new ServerError(
        PERMISSION_DENIED, ErrorReason.ERROR_REASON_PERMISSION_DENIED, message, NO_HINT);
  }

  public static ServerError internal(String message) {
    return new ServerError(INTERNAL, ErrorReason.ERROR_REASON_UNSPECIFIED, message, NO_HINT);
  }

  /** This error as an exception, to unwind request checks. */
  Refusal refusal() {
    return new Refusal(this);
  }

  /** Carries a {@link ServerError} out of nested checks; no stack trace (it is an outcome). */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ServerError error;

    Refusal(ServerError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    ServerError error() {
      return error;
    }
  }
}
