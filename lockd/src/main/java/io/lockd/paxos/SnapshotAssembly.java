package io.lockd.paxos;

/**
 * A snapshot arriving in chunks. Chunks must come in order; a gap abandons the transfer. Each chunk
 * goes to a {@link SnapshotSink} as it arrives: in production a file of the store, so that a
 * replica taking in a gigabyte does not hold it in its heap beside the state it is about to replace
 * (a new replica of a 1 GiB cell ran out of a 3 GB heap so, 2026-12-07); in memory, as the chunks
 * themselves, where the driver has nothing better.
 */
final class SnapshotAssembly {
  final long index;
  private final SnapshotSink sink;
  private long size;
  private boolean closed;
  long lastProgressAt;

  SnapshotAssembly(long index, long now, SnapshotSink sink) {
    this.index = index;
    this.lastProgressAt = now;
    this.sink = sink;
  }

  /** Appends the chunk if it is the next one of this snapshot; false otherwise. */
  boolean add(Message.SnapshotChunk c, long now) {
    if (closed || c.snapshotIndex() != index || c.offset() != size) {
      return false;
    }
    byte[] data = c.data(); // the message's own copy: nothing else writes it
    sink.write(data, data.length);
    size += data.length;
    lastProgressAt = now;
    return true;
  }

  boolean stalled(long now, long patienceMillis) {
    return now - lastProgressAt > patienceMillis;
  }

  /** The whole snapshot, once its last chunk was added. */
  SnapshotBytes bytes() {
    closed = true;
    return sink.finish();
  }

  /** Drops what arrived (the transfer is abandoned or replaced). */
  void abandon() {
    if (!closed) {
      closed = true;
      sink.abandon();
    }
  }
}
