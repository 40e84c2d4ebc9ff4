package io.lockd.paxos;

import java.io.InputStream;
import java.util.List;

/**
 * A snapshot's bytes, wherever they are held: in memory as the encoder or a transfer left them
 * ({@link MemorySnapshot}), or in a file of the store that made them durable. The core passes them
 * around without looking inside (but for the short header {@link MembershipSnapshot} reads), so a
 * state of a gigabyte costs the core no array of that size, and the store can move the bytes out of
 * the heap once they are on disk.
 *
 * <p>The bytes never change once made. Reading may happen on any thread, concurrently.
 */
public interface SnapshotBytes {

  /** No bytes: the snapshot of a replica that has none yet. */
  SnapshotBytes EMPTY = MemorySnapshot.of(new byte[0]);

  /** How many bytes there are. */
  long size();

  /**
   * Copies the {@code length} bytes at {@code offset} into {@code dst} at {@code at}.
   *
   * @throws java.io.UncheckedIOException if the bytes live in a file that cannot be read
   * @throws IndexOutOfBoundsException if the range is outside the bytes or {@code dst}
   */
  void read(long offset, byte[] dst, int at, int length);

  /** The bytes from {@code offset} on, as a view (nothing is copied). */
  default SnapshotBytes from(long offset) {
    return offset == 0 ? this : new SnapshotSlice(this, offset);
  }

  /** The bytes as a stream, read a block at a time. */
  default InputStream open() {
    return new SnapshotInput(this);
  }

  /**
   * Every byte in one array: for snapshots known to be small (tests, tools). A large snapshot is
   * read through {@link #open} or {@link #read} instead.
   */
  default byte[] toArray() {
    if (size() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a snapshot of " + size() + " bytes does not fit an array");
    }
    byte[] all = new byte[(int) size()];
    for (int at = 0; at < all.length; at += LargeArrays.SLICE_BYTES) {
      read(at, all, at, Math.min(LargeArrays.SLICE_BYTES, all.length - at));
    }
    return all;
  }

  /** {@code bytes} as they are (not copied: the caller must not change them any more). */
  static SnapshotBytes of(byte[] bytes) {
    return MemorySnapshot.of(bytes);
  }

  /** {@code blocks} one after the other (not copied: the caller must not change them any more). */
  static SnapshotBytes ofBlocks(List<byte[]> blocks) {
    return MemorySnapshot.ofBlocks(blocks);
  }
}
