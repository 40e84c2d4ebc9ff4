package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot arriving in chunks. Chunks must come in order; a gap abandons the transfer. The chunks
 * are kept as they came and become the snapshot's blocks ({@link MemorySnapshot}): a growing array
 * would hold the snapshot up to twice at each doubling, and its copies of hundreds of megabytes ran
 * on the replica's loop.
 */
final class SnapshotAssembly {
  final long index;
  private final List<byte[]> chunks = new ArrayList<>();
  private long size;
  long lastProgressAt;

  SnapshotAssembly(long index, long now) {
    this.index = index;
    this.lastProgressAt = now;
  }

  /** Appends the chunk if it is the next one of this snapshot; false otherwise. */
  boolean add(Message.SnapshotChunk c, long now) {
    if (c.snapshotIndex() != index || c.offset() != size) {
      return false;
    }
    byte[] data = c.data(); // the message's own copy: nothing else writes it
    chunks.add(data);
    size += data.length;
    lastProgressAt = now;
    return true;
  }

  boolean stalled(long now, long patienceMillis) {
    return now - lastProgressAt > patienceMillis;
  }

  SnapshotBytes bytes() {
    return SnapshotBytes.ofBlocks(chunks);
  }
}
