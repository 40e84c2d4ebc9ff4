package io.lockd.paxos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where an encoder writes a snapshot as it goes, block by block: kept in memory ({@link
 * #inMemory}), or written to a file by the store as each block comes, so that encoding a gigabyte
 * of state never holds a second gigabyte in the heap.
 */
public interface SnapshotSink {

  /**
   * Appends the first {@code length} bytes of {@code block}. The caller hands the block over and
   * never changes it again (a sink in memory keeps it as it is).
   */
  void write(byte[] block, int length);

  /** Everything written, once the encoder is done. */
  SnapshotBytes finish();

  /** The encoding failed: whatever was written can go. */
  default void abandon() {}

  /** A sink that keeps the blocks in the heap ({@link MemorySnapshot}). */
  static SnapshotSink inMemory() {
    return new SnapshotSink() {
      private final List<byte[]> blocks = new ArrayList<>();

      @Override
      public void write(byte[] block, int length) {
        blocks.add(length == block.length ? block : Arrays.copyOf(block, length));
      }

      @Override
      public SnapshotBytes finish() {
        return SnapshotBytes.ofBlocks(blocks);
      }
    };
  }
}
