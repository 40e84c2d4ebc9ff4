package io.lockd.paxos;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Snapshot bytes in the heap, as blocks: the encoder's output blocks or the chunks of a transfer,
 * never joined into one array (at a gigabyte of state that array alone would be a gigabyte more,
 * and its allocation, zeroed with no safepoint poll, holds the whole JVM).
 *
 * <p>Once a store has made the bytes durable in a file it calls {@link #movedTo}: from then on the
 * bytes are read from there and the blocks are left to the collector. Every holder of this object
 * (the core's log, the store's mirror, a transfer under way) keeps it and is unaware of the move;
 * without it a replica held every stored snapshot twice over in its heap, once as the state and
 * once as these bytes, until the next snapshot replaced them.
 */
public final class MemorySnapshot implements SnapshotBytes {
  private final long size;

  /** Where each block starts; {@code starts[i + 1] - starts[i]} is block i's length. */
  private final long[] starts;

  private volatile byte[][] blocks;
  private volatile SnapshotBytes moved;

  private MemorySnapshot(byte[][] blocks) {
    this.blocks = blocks;
    this.starts = new long[blocks.length + 1];
    for (int i = 0; i < blocks.length; i++) {
      starts[i + 1] = starts[i] + blocks[i].length;
    }
    this.size = starts[blocks.length];
  }

  static MemorySnapshot of(byte[] bytes) {
    return new MemorySnapshot(new byte[][] {bytes});
  }

  static MemorySnapshot ofBlocks(List<byte[]> blocks) {
    return new MemorySnapshot(blocks.toArray(new byte[0][]));
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, byte[] dst, int at, int length) {
    Objects.checkFromIndexSize(offset, length, size());
    SnapshotBytes durable = moved;
    byte[][] held = blocks;
    if (held == null) {
      durable = moved; // set before the blocks were dropped
    }
    if (durable != null) {
      durable.read(offset, dst, at, length);
      return;
    }
    int block = blockAt(offset);
    while (length > 0) {
      int from = (int) (offset - starts[block]);
      int n = (int) Math.min(length, starts[block + 1] - offset);
      LargeArrays.copy(held[block], from, dst, at, n);
      offset += n;
      at += n;
      length -= n;
      block++;
    }
  }

  /** The block holding byte {@code offset} (the first non-empty one from there). */
  private int blockAt(long offset) {
    int i = Arrays.binarySearch(starts, offset);
    if (i < 0) {
      return -i - 2;
    }
    while (i < starts.length - 2 && starts[i + 1] == offset) {
      i++; // skip empty blocks
    }
    return Math.min(i, Math.max(0, starts.length - 2));
  }

  /**
   * The same bytes are now durable in {@code copy}: reads go there and the blocks are released.
   * Called by the store that wrote them, on its own thread.
   */
  public void movedTo(SnapshotBytes copy) {
    if (copy.size() != size) {
      throw new IllegalArgumentException(
          "a copy of " + copy.size() + " bytes for a snapshot of " + size);
    }
    moved = copy;
    blocks = null;
  }

  /** Whether the bytes now live elsewhere ({@link #movedTo}); for tests and diagnostics. */
  public boolean isMoved() {
    return moved != null;
  }

  /** Where the bytes were moved to, or null while they are in the heap. */
  public SnapshotBytes movedCopy() {
    return moved;
  }
}
