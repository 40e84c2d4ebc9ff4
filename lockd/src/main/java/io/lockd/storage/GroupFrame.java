package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One group of records framed exactly as the log store writes it ({@link GroupFormat}: header with
 * its CRC, {@link LogRecords} payload with its CRC, trailer), in a byte array instead of a segment,
 * and read back through the same checks. The in-memory store keeps its recent groups so, so that a
 * simulated disk fault damages bytes the production checks must catch.
 */
final class GroupFrame {
  private GroupFrame() {}

  /** Frames the logged records of {@code writes} (snapshots have none) as group {@code seq}. */
  static byte[] encode(long seq, List<StoreWrite> writes) {
    int payloadBytes = 0;
    for (StoreWrite w : writes) {
      payloadBytes += LogRecords.sizeOf(w);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) GroupFormat.groupBytes(payloadBytes));
    buf.position(GroupFormat.HEADER_BYTES);
    for (StoreWrite w : writes) {
      LogRecords.encode(w, buf);
    }
    int padded = (int) GroupFormat.align8(payloadBytes);
    CRC32C crc = new CRC32C();
    int payloadCrc = GroupFormat.crc32c(buf, GroupFormat.HEADER_BYTES, padded, crc);
    buf.putLong(GroupFormat.HEADER_BYTES + padded, GroupFormat.trailer(seq));
    GroupFormat.putHeader(buf, seq, payloadBytes, payloadCrc, crc);
    return buf.array();
  }

  /**
   * The records of group {@code seq}, or a {@link StorageCorruptionException} saying which check
   * failed: header, sequence number, payload or trailer.
   */
  static List<StoreWrite> decode(long seq, byte[] frame) {
    ByteBuffer buf = ByteBuffer.wrap(frame);
    CRC32C crc = new CRC32C();
    if (frame.length < GroupFormat.HEADER_BYTES
        || GroupFormat.headerKind(buf, 0, crc) != GroupFormat.HeaderKind.VALID) {
      throw new StorageCorruptionException("group " + seq + ": header fails its checksum");
    }
    if (GroupFormat.seq(buf, 0) != seq) {
      throw new StorageCorruptionException(
          "group " + GroupFormat.seq(buf, 0) + " where group " + seq + " belongs");
    }
    int payloadBytes = GroupFormat.payloadBytes(buf, 0);
    if (payloadBytes < 0 || GroupFormat.groupBytes(payloadBytes) != frame.length) {
      throw new StorageCorruptionException("group " + seq + ": wrong payload length");
    }
    int padded = (int) GroupFormat.align8(payloadBytes);
    if (GroupFormat.crc32c(buf, GroupFormat.HEADER_BYTES, padded, crc)
        != GroupFormat.payloadCrc(buf, 0)) {
      throw new StorageCorruptionException("group " + seq + ": payload fails its checksum");
    }
    if (buf.getLong(GroupFormat.HEADER_BYTES + padded) != GroupFormat.trailer(seq)) {
      throw new StorageCorruptionException("group " + seq + ": wrong trailer");
    }
    List<StoreWrite> out = new ArrayList<>();
    LogRecords.decodeAll(buf.slice(GroupFormat.HEADER_BYTES, payloadBytes), out::add);
    return out;
  }
}
