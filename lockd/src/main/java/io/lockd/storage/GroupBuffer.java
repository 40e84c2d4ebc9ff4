package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.StoreWrite;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The group being built between two syncs: records are encoded at {@code write} time straight into
 * one reusable direct buffer, after room left for the header, and {@link #seal} frames them ({@link
 * GroupFormat}) so that the whole group leaves in one positional write without a copy.
 *
 * <p>The buffer grows (doubling) when a group needs more, and after a group larger than {@link
 * #RETAINED_BYTES} it is replaced by a small one again, so one huge snapshot-time group does not
 * pin its memory forever. Nothing else is allocated per record or per group.
 */
final class GroupBuffer {
  static final int INITIAL_BYTES = 64 * 1024;
  static final int RETAINED_BYTES = 4 * 1024 * 1024;

  /** Far above any group the replica produces; keeps sizes within an int with room to spare. */
  static final int MAX_GROUP_BYTES = 1 << 30;

  private final CRC32C crc = new CRC32C();
  private ByteBuffer buf = newBuffer(INITIAL_BYTES);
  private int records;

  /** Appends the record of {@code write}; a write that is not logged adds nothing. */
  void add(StoreWrite write) {
    int size = LogRecords.sizeOf(write);
    if (size == 0) {
      return;
    }
    ensureRoom(size);
    LogRecords.encode(write, buf);
    records++;
  }

  boolean isEmpty() {
    return records == 0;
  }

  /**
   * Frames the records as group {@code seq} and returns the buffer ready to write: position 0,
   * limit at the end of the trailer. Call {@link #reset} once it is written.
   */
  ByteBuffer seal(long seq) {
    Invariants.check(records > 0, "sealing an empty group");
    int payloadBytes = buf.position() - GroupFormat.HEADER_BYTES;
    // The buffer is reused: padding must be written as zeros, not left from an older group.
    int trailerAt = (int) GroupFormat.align8(buf.position());
    while (buf.position() < trailerAt) {
      buf.put((byte) 0);
    }
    int payloadCrc =
        GroupFormat.crc32c(
            buf, GroupFormat.HEADER_BYTES, trailerAt - GroupFormat.HEADER_BYTES, crc);
    buf.putLong(GroupFormat.trailer(seq));
    GroupFormat.putHeader(buf, seq, payloadBytes, payloadCrc, crc);
    return buf.flip();
  }

  /** Empties the buffer for the next group. */
  void reset() {
    if (buf.capacity() > RETAINED_BYTES) {
      buf = newBuffer(INITIAL_BYTES);
    }
    buf.clear().position(GroupFormat.HEADER_BYTES);
    records = 0;
  }

  private void ensureRoom(int recordBytes) {
    long needed = (long) buf.position() + recordBytes + 8 + GroupFormat.TRAILER_BYTES;
    if (needed <= buf.capacity()) {
      return;
    }
    Invariants.check(needed <= MAX_GROUP_BYTES, "group of %d bytes is too large", needed);
    int capacity = (int) Math.min(MAX_GROUP_BYTES, Math.max(needed, 2L * buf.capacity()));
    ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
    buf.flip();
    bigger.put(buf);
    buf = bigger;
  }

  private static ByteBuffer newBuffer(int capacity) {
    return ByteBuffer.allocateDirect(capacity).position(GroupFormat.HEADER_BYTES);
  }
}
