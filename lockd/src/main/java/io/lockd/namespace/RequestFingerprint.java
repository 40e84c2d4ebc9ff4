package io.lockd.namespace;

import io.lockd.proto.ns.v1.NamespaceCommand;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What identifies a client request, so that a reused sequence number gets the session's remembered
 * answer only if it is the very request that answer belongs to.
 *
 * <p>The fingerprint covers the operation and its fields, not the header: a retry after a failover
 * carries the same operation under another leader time and acknowledged event index. It is part of
 * the replicated state (the session's exactly-once record, and so the snapshot), so it is computed
 * from the command's bytes alone, the same on every replica: protobuf writes a parsed message back
 * in one defined order within one build, and every replica of a cell runs the same build
 * (namespace.proto says why). It is 64 bits of SHA-256 rather than a CRC because a client chooses
 * the bytes: a linear checksum would let it make two different requests that match.
 */
final class RequestFingerprint {
  /** No fingerprint known: a session restored from a snapshot written before they existed. */
  static final long UNKNOWN = 0;

  private RequestFingerprint() {}

  /** The fingerprint of a client command; never {@link #UNKNOWN}. */
  static long of(NamespaceCommand command) {
    byte[] operation = command.toBuilder().clearHeader().build().toByteArray();
    long value = ByteBuffer.wrap(sha256().digest(operation)).getLong();
    return value == UNKNOWN ? 1 : value;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
