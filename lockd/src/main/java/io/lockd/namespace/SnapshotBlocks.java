package io.lockd.namespace;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.lockd.paxos.MemorySnapshot;
import io.lockd.paxos.SnapshotBytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a large snapshot as they are written, in blocks big enough that the garbage
 * collector allocates them apart and never copies them (a block of 4 MiB is a humongous object to
 * G1 whatever its region size), and kept as blocks. It lets the snapshot be written one record at a
 * time, without the whole message as objects (see {@link NamespaceCapture#encode}). In memory only:
 * nothing here can fail for I/O.
 */
final class SnapshotBlocks {
  /** 4 MiB less room for the array's header, so that a block fills whole heap regions. */
  static final int BLOCK_BYTES = (4 << 20) - 64;

  private final int blockBytes;
  private final List<byte[]> full = new ArrayList<>();
  private byte[] block = new byte[0];
  private int used;
  private long total;

  SnapshotBlocks() {
    this(BLOCK_BYTES);
  }

  /** With blocks of {@code blockBytes}: small ones let a test cross many block boundaries. */
  SnapshotBlocks(int blockBytes) {
    this.blockBytes = blockBytes;
  }

  /** Appends {@code bytes} as they are. */
  void write(byte[] bytes) {
    room(bytes.length);
    System.arraycopy(bytes, 0, block, used, bytes.length);
    used += bytes.length;
    total += bytes.length;
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
    total += size;
  }

  /** Everything written, as the blocks it is in (never joined: see {@link MemorySnapshot}). */
  SnapshotBytes toBytes() {
    List<byte[]> blocks = new ArrayList<>(full);
    blocks.add(used == block.length ? block : Arrays.copyOf(block, used));
    return SnapshotBytes.ofBlocks(blocks);
  }

  /** Makes room for {@code bytes} more in the current block, closing it if they do not fit. */
  private void room(int bytes) {
    if (block.length - used >= bytes) {
      return;
    }
    if (used > 0) {
      full.add(used == block.length ? block : Arrays.copyOf(block, used));
    }
    block = new byte[Math.max(blockBytes, bytes)];
    used = 0;
  }
}
