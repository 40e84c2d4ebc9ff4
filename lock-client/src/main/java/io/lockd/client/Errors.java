package io.lockd.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import java.io.IOException;

/** The server's error conventions: leader hints and error details in trailing metadata. */
final class Errors {
  /** Trailer of a non-leader's UNAVAILABLE answer: the leader's replica id. */
  static final Metadata.Key<String> LEADER_ID =
      Metadata.Key.of("lockd-leader-id", Metadata.ASCII_STRING_MARSHALLER);

  /** Trailer of a non-leader's UNAVAILABLE answer: the leader's client endpoint (host:port). */
  static final Metadata.Key<String> LEADER_ADDRESS =
      Metadata.Key.of("lockd-leader-address", Metadata.ASCII_STRING_MARSHALLER);

  /** Trailer of every refusal: the finer reason. */
  static final Metadata.Key<ErrorDetail> ERROR_DETAIL =
      Metadata.Key.of(
          "lockd-error-detail-bin",
          ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

  private Errors() {}

  /**
   * Whether an attempt that ended with this status may be sent again, to the same or another
   * replica. UNAVAILABLE (non-leader, unreachable, shutting down) and DEADLINE_EXCEEDED (of one
   * attempt) say nothing about whether the request was applied; a retry with the same (session,
   * sequence) is applied at most once, and reads are harmless to repeat. CANCELLED from the
   * transport (not from us) is a dropped connection, and so is any status the transport made from
   * an I/O error: a replica killed while a call was being written to it gives UNKNOWN "channel
   * closed" (a ClosedChannelException) rather than UNAVAILABLE.
   */
  static boolean retryable(Status status) {
    Status.Code code = status.getCode();
    return code == Status.Code.UNAVAILABLE
        || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.CANCELLED
        || status.getCause() instanceof IOException;
  }

  /**
   * The replica was busy (RESOURCE_EXHAUSTED, reason BUSY: its admission limit for session
   * creations or KeepAlive openings): nothing was done, and asking again after a backoff is right.
   */
  static boolean busy(Status status, Metadata trailers) {
    if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED || trailers == null) {
      return false;
    }
    ErrorDetail detail = trailers.get(ERROR_DETAIL);
    return detail != null && detail.getReason() == ErrorReason.ERROR_REASON_BUSY;
  }

  /** The leader's address from a non-leader's trailers, or null. */
  static String leaderHint(Metadata trailers) {
    if (trailers == null) {
      return null;
    }
    String address = trailers.get(LEADER_ADDRESS);
    return address == null || address.isBlank() ? null : address.trim();
  }

  /** The final error of a call that the cell refused. */
  static LockdException fromStatus(Status status, Metadata trailers) {
    LockdException.Reason reason = LockdException.Reason.UNSPECIFIED;
    if (trailers != null) {
      ErrorDetail detail = trailers.get(ERROR_DETAIL);
      if (detail != null) {
        reason = LockdException.Reason.fromProto(detail.getReason());
      }
    }
    String message = status.getDescription();
    if (message == null || message.isEmpty()) {
      message = status.getCode().toString();
    }
    if (reason == LockdException.Reason.SESSION_NOT_FOUND) {
      return new SessionExpiredException(0, message);
    }
    return new LockdException(status.getCode(), reason, message, status.getCause());
  }

  /** A TLS handshake with {@code target} failed: {@code explanation} says why. */
  static LockdException tlsFailure(String target, String explanation, Status status) {
    return new LockdException(
        Status.Code.UNAVAILABLE,
        LockdException.Reason.UNSPECIFIED,
        "TLS handshake with " + target + " failed: " + explanation,
        status.getCause());
  }

  static LockdException closed() {
    return new LockdException(
        Status.Code.CANCELLED, LockdException.Reason.UNSPECIFIED, "the lockd client is closed");
  }

  static LockdException timedOut(String what, long millis, String lastError) {
    return new LockdException(
        Status.Code.DEADLINE_EXCEEDED,
        LockdException.Reason.UNSPECIFIED,
        what
            + " did not complete within "
            + millis
            + " ms"
            + (lastError == null ? "" : " (last error: " + lastError + ")"));
  }
}
