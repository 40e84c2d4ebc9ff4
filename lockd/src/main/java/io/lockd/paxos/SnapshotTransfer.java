package io.lockd.paxos;

import java.util.Arrays;

/**
 * One snapshot on its way to one peer, cut into chunks that are sent a few per turn of the
 * replica's loop. It keeps the bytes it started with, so that every chunk belongs to the same
 * snapshot even if a newer one is taken meanwhile.
 */
final class SnapshotTransfer {
  /** Bytes sent per turn at most (at least one chunk): a turn copies a few MiB, not the state. */
  static final int BYTES_PER_TURN = 4 << 20;

  private final int to;
  private final long index;
  private final byte[] snapshot;
  private int offset;
  private boolean done;

  SnapshotTransfer(int to, long index, byte[] snapshot) {
    this.to = to;
    this.index = index;
    this.snapshot = snapshot;
  }

  boolean done() {
    return done;
  }

  /** The next chunk (at least one, even of an empty snapshot). */
  Message.SnapshotChunk next(int self, int chunkBytes) {
    int len = Math.min(chunkBytes, snapshot.length - offset);
    byte[] data = Arrays.copyOfRange(snapshot, offset, offset + len);
    boolean last = offset + len >= snapshot.length;
    Message.SnapshotChunk chunk = new Message.SnapshotChunk(self, to, index, offset, data, last);
    offset += len;
    done = last;
    return chunk;
  }
}
