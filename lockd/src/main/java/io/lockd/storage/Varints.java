package io.lockd.storage;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * Unsigned LEB128 variable-length integers: slots, ballots, counts and lengths are mostly small, so
 * they usually take one to three bytes instead of eight.
 */
final class Varints {
  static final int MAX_LONG_BYTES = 10;

  private Varints() {}

  static int sizeOf(long value) {
    int size = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  static void putLong(ByteBuffer out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.put((byte) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.put((byte) value);
  }

  /** Reads a non-negative varint; malformed or truncated input is corruption, not a bug. */
  static long getLong(ByteBuffer in, String what) {
    long value = 0;
    try {
      for (int i = 0; i < MAX_LONG_BYTES; i++) {
        byte b = in.get();
        value |= (long) (b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
          if (value < 0) {
            throw new StorageCorruptionException(what + " is negative");
          }
          return value;
        }
      }
    } catch (BufferUnderflowException e) {
      throw new StorageCorruptionException(what + " is truncated");
    }
    throw new StorageCorruptionException(what + " is longer than " + MAX_LONG_BYTES + " bytes");
  }

  /** Reads a varint that must fit in {@code [0, max]}: a length or a count. */
  static int getInt(ByteBuffer in, int max, String what) {
    long value = getLong(in, what);
    if (value > max) {
      throw new StorageCorruptionException(what + " " + value + " exceeds " + max);
    }
    return (int) value;
  }
}
