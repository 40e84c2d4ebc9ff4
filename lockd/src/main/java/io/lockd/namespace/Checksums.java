package io.lockd.namespace;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/** Checksums computed in-process from bytes alone, so every replica gets the same value. */
final class Checksums {
  private Checksums() {}

  /** CRC32C of a node's contents, as the unsigned 32-bit value the Stat carries. */
  static int contents(ByteString contents) {
    CRC32C crc = new CRC32C();
    for (ByteBuffer b : contents.asReadOnlyByteBufferList()) {
      crc.update(b);
    }
    return (int) crc.getValue();
  }

  /**
   * A 64-bit checksum of a whole snapshot: CRC32C in the high half and CRC32 in the low half. Two
   * independent polynomials make an accidental match of different states far less likely than one
   * 32-bit CRC would; this compares replicas, it is not a defence against forgery.
   */
  static long state(byte[] snapshot) {
    CRC32C high = new CRC32C();
    high.update(snapshot);
    CRC32 low = new CRC32();
    low.update(snapshot);
    return (high.getValue() << 32) | low.getValue();
  }
}
