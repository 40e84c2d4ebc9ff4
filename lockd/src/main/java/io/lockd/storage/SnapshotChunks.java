package io.lockd.storage;

import java.util.Arrays;
import java.util.Map;

/**
 * Stores a snapshot of any size as numbered chunks, each below MapDB's 64 KiB record limit. MapDB
 * can link larger records itself, but reading one back grows a buffer by doubling and then copies
 * it, holding three to four times a tens-of-MB snapshot at once; chunks let recovery fill one array
 * of exactly the right size.
 */
final class SnapshotChunks {
  static final int CHUNK_BYTES = 60 * 1024;

  private SnapshotChunks() {}

  static void write(Map<Integer, byte[]> chunks, byte[] state) {
    int count = count(state.length);
    for (int i = 0; i < count; i++) {
      int from = i * CHUNK_BYTES;
      chunks.put(i, Arrays.copyOfRange(state, from, Math.min(state.length, from + CHUNK_BYTES)));
    }
    // Chunks are numbered from 0 without gaps, so the leftovers of a larger snapshot end at
    // the first missing number.
    for (int i = count; chunks.remove(i) != null; i++) {
      // removed
    }
  }

  static byte[] read(Map<Integer, byte[]> chunks, int length) {
    byte[] state = new byte[length];
    int count = count(length);
    for (int i = 0; i < count; i++) {
      byte[] chunk = chunks.get(i);
      int expected = Math.min(CHUNK_BYTES, length - i * CHUNK_BYTES);
      if (chunk == null || chunk.length != expected) {
        String found = chunk == null ? "missing" : chunk.length + " bytes";
        throw new StorageCorruptionException(
            "snapshot chunk " + i + " of " + count + " is " + found + ", expected " + expected);
      }
      System.arraycopy(chunk, 0, state, i * CHUNK_BYTES, expected);
    }
    return state;
  }

  private static int count(int length) {
    return (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
  }
}
