package io.lockd.namespace;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;

/**
 * The bytes of a large snapshot as they are written, in blocks big enough that the garbage
 * collector allocates them apart and never copies them (a block of 4 MiB is a humongous object to
 * G1 whatever its region size), each handed to a {@link SnapshotSink} as it fills: kept as blocks,
 * never joined, or written to a file and dropped. It lets the snapshot be written one record at a
 * time, without the whole message as objects (see {@link NamespaceCapture#encodeTo}).
 */
final class SnapshotBlocks {
  /** 4 MiB less room for the array's header, so that a block fills whole heap regions. */
  static final int BLOCK_BYTES = (4 << 20) - 64;

  private final int blockBytes;
  private final SnapshotSink sink;
  private byte[] block = new byte[0];
  private int used;

  /** Blocks kept in memory. */
  SnapshotBlocks() {
    this(BLOCK_BYTES, SnapshotSink.inMemory());
  }

  /** Blocks handed to {@code sink}. */
  SnapshotBlocks(SnapshotSink sink) {
    this(BLOCK_BYTES, sink);
  }

  /** With blocks of {@code blockBytes}: small ones let a test cross many block boundaries. */
  SnapshotBlocks(int blockBytes, SnapshotSink sink) {
    this.blockBytes = blockBytes;
    this.sink = sink;
  }

  /** Appends {@code bytes} as they are. */
  void write(byte[] bytes) {
    room(bytes.length);
    System.arraycopy(bytes, 0, block, used, bytes.length);
    used += bytes.length;
  }

  /**
   * Appends {@code message} as field {@code field} of the enclosing message (tag, length, body).
   */
  void writeField(int field, MessageLite message) {
    int size = CodedOutputStream.computeMessageSize(field, message);
    room(size);
    CodedOutputStream out = CodedOutputStream.newInstance(block, used, size);
    try {
      out.writeMessage(field, message);
    } catch (Exception e) {
      throw new IllegalStateException("a message did not fit the size it computed", e);
    }
    out.checkNoSpaceLeft();
    used += size;
  }

  /** Hands the last block to the sink (which the caller then finishes). */
  void flush() {
    if (used > 0) {
      sink.write(block, used);
    }
    block = new byte[0];
    used = 0;
  }

  /** Flushes and finishes the sink: everything written, as the sink holds it. */
  SnapshotBytes finish() {
    flush();
    return sink.finish();
  }

  /** Makes room for {@code bytes} more in the current block, handing it over if they do not fit. */
  private void room(int bytes) {
    if (block.length - used >= bytes) {
      return;
    }
    if (used > 0) {
      sink.write(block, used);
    }
    block = new byte[Math.max(blockBytes, bytes)];
    used = 0;
  }
}
