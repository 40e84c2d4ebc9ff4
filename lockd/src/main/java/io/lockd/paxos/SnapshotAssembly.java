package io.lockd.paxos;

/** A snapshot arriving in chunks. Chunks must come in order; a gap abandons the transfer. */
final class SnapshotAssembly {
  final long index;
  private byte[] buffer = new byte[0];
  private int size;
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
    byte[] data = c.data();
    if (size + data.length > buffer.length) {
      byte[] grown = new byte[Math.max(size + data.length, buffer.length * 2)];
      LargeArrays.copy(buffer, 0, grown, 0, size);
      buffer = grown;
    }
    System.arraycopy(data, 0, buffer, size, data.length);
    size += data.length;
    lastProgressAt = now;
    return true;
  }

  boolean stalled(long now, long patienceMillis) {
    return now - lastProgressAt > patienceMillis;
  }

  byte[] bytes() {
    return size == buffer.length ? buffer : LargeArrays.copyOfRange(buffer, 0, size);
  }
}
