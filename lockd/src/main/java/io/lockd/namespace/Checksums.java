package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.replica.StateMachine;
import java.nio.ByteBuffer;
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

  /** A 64-bit checksum of a whole snapshot, the one every state machine uses. */
  static long state(byte[] snapshot) {
    return StateMachine.checksumOf(snapshot);
  }
}
