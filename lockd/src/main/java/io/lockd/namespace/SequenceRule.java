package io.lockd.namespace;

import io.lockd.proto.v1.ErrorReason;

/**
 * Which sequence numbers a session accepts (exactly-once: lockd.proto, RequestHeader). Numbers are
 * unsigned 64-bit values; with {@code last} the session's last applied number:
 *
 * <ul>
 *   <li>0: never valid (INVALID_ARGUMENT);
 *   <li>below {@code last}: a late duplicate (FAILED_PRECONDITION, STALE_SEQUENCE);
 *   <li>equal to {@code last}: a retry, answered with the remembered answer if it is the same
 *       request ({@link RequestFingerprint}); a different request is refused (FAILED_PRECONDITION,
 *       STALE_SEQUENCE): the number is used up;
 *   <li>above {@code last} by at most the sequence window: a new request;
 *   <li>further above: refused (INVALID_ARGUMENT), since accepting it would move {@code last} so
 *       far that the session's real owner, whose numbers are below it, could never be served again.
 * </ul>
 *
 * <p>A refusal here leaves the session's record as it was: the record belongs to the request that
 * was applied, and a refused number is not used up.
 */
final class SequenceRule {
  private SequenceRule() {}

  /**
   * True if the command is a retry of the session's last applied request (answer with the
   * remembered result); false if it is a new request; throws {@link NamespaceException} if the
   * number is refused.
   */
  static boolean isRetry(Session session, long sequence, long fingerprint, long window) {
    checkNew(session, sequence, window);
    if (sequence != session.lastSequence()) {
      return false;
    }
    if (!session.remembers(fingerprint)) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_STALE_SEQUENCE,
          "sequence %s of session %d was already used by a different request; a new request "
              + "needs a number above it",
          Long.toUnsignedString(sequence),
          session.id);
    }
    return true;
  }

  /**
   * Refuses a number that cannot be a new request or a retry (zero, stale, beyond the window);
   * equal to the last one passes, as a retry might.
   */
  static void checkNew(Session session, long sequence, long window) {
    long last = session.lastSequence();
    if (sequence == 0) {
      throw NamespaceException.badArgument("sequence must be at least 1");
    }
    if (Long.compareUnsigned(sequence, last) < 0) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_STALE_SEQUENCE,
          "sequence %s of session %d is older than its last applied sequence %s",
          Long.toUnsignedString(sequence),
          session.id,
          Long.toUnsignedString(last));
    }
    if (Long.compareUnsigned(sequence - last, window) > 0) {
      throw NamespaceException.badArgument(
          "sequence %s of session %d is too far above its last applied sequence %s: at most "
              + "sequenceWindow=%d more is accepted",
          Long.toUnsignedString(sequence), session.id, Long.toUnsignedString(last), window);
    }
  }
}
