package io.lockd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads the groups of one segment in order and finds where its data ends, applying the rules of
 * {@link GroupFormat}:
 *
 * <ul>
 *   <li>a zero header (or no room left for one) ends the segment's data;
 *   <li>a valid header whose seq is not the next one, or whose group runs past the file, is
 *       corruption;
 *   <li>payload CRC and trailer both right: a group;
 *   <li>trailer right but payload wrong: a complete group whose bytes changed, corruption;
 *   <li>payload right and the trailer cut short (its first bytes, then zeros): torn; payload right
 *       and any other wrong trailer: corruption;
 *   <li>payload wrong and trailer not right: torn;
 *   <li>a header that is not zero and fails its CRC: corruption, unless it is a header cut short
 *       (its first bytes, then zeros) with nothing but zeros after it, which is torn.
 * </ul>
 *
 * A torn group is the end of the log, allowed only in the last segment. There the scanner also
 * checks what follows the end: a valid group header means the end was not the end (a damaged group
 * in the middle), corruption; other non-zero bytes are the leftovers of a torn write, reported so
 * that recovery can zero them.
 */
final class SegmentScanner {
  /** Receives each valid group, in order. */
  interface GroupSink {
    void accept(long seq, ByteBuffer payload, int offset);
  }

  /**
   * Where a segment's data ends.
   *
   * @param offset where the next group may go: the start of the zero header or torn group, or the
   *     end of the last group when no header fits after it
   * @param nextSeq the seq the next group must have
   * @param groups valid groups read
   * @param tornSeq the seq of the torn group at {@code offset}, or -1 if there is none
   * @param dirtyEnd in the last segment, the end of the non-zero bytes from {@code offset} on
   *     ({@code offset} if there are none); not looked at in other segments
   */
  record End(int offset, long nextSeq, int groups, long tornSeq, int dirtyEnd) {
    boolean dirty() {
      return dirtyEnd > offset;
    }
  }

  private SegmentScanner() {}

  static End scan(Path file, long firstSeq, boolean last, GroupSink sink) throws IOException {
    MappedByteBuffer map;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > Integer.MAX_VALUE) {
        throw corruption(file, 0, "segment of " + size + " bytes is larger than any lockd writes");
      }
      map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
    CRC32C crc = new CRC32C();
    int size = map.capacity();
    int offset = 0;
    long seq = firstSeq;
    int groups = 0;
    while (true) {
      long start = GroupFormat.headerStart(offset);
      if (start + GroupFormat.HEADER_BYTES > size) {
        return new End(offset, seq, groups, -1, offset);
      }
      int at = (int) start;
      GroupFormat.HeaderKind kind = GroupFormat.headerKind(map, at, crc);
      if (kind == GroupFormat.HeaderKind.ZERO) {
        return end(file, map, at, at, seq, groups, -1, last, crc);
      }
      if (kind == GroupFormat.HeaderKind.DAMAGED) {
        if (last && isCutHeader(map, at)) {
          return end(file, map, at, at + GroupFormat.HEADER_BYTES, seq, groups, seq, true, crc);
        }
        throw corruption(file, at, "group header fails its checksum (expected group " + seq + ")");
      }
      long found = GroupFormat.seq(map, at);
      if (found != seq) {
        throw corruption(file, at, "group " + found + " where group " + seq + " belongs");
      }
      int payloadBytes = GroupFormat.payloadBytes(map, at);
      long total = GroupFormat.groupBytes(payloadBytes);
      if (payloadBytes < 0 || at + total > size) {
        throw corruption(
            file,
            at,
            "group "
                + seq
                + " of "
                + payloadBytes
                + " payload bytes runs"
                + " past the end of the "
                + size
                + "-byte segment");
      }
      int payloadAt = at + GroupFormat.HEADER_BYTES;
      int paddedBytes = (int) GroupFormat.align8(payloadBytes);
      boolean payloadOk =
          GroupFormat.crc32c(map, payloadAt, paddedBytes, crc) == GroupFormat.payloadCrc(map, at);
      long trailer = map.getLong(payloadAt + paddedBytes);
      boolean trailerOk = trailer == GroupFormat.trailer(seq);
      if (payloadOk && trailerOk) {
        sink.accept(seq, map.slice(payloadAt, payloadBytes), at);
        seq++;
        groups++;
        offset = (int) (at + total);
        continue;
      }
      if (trailerOk) {
        throw corruption(
            file,
            at,
            "group "
                + seq
                + " is complete (its trailer is in place) but"
                + " its payload fails its checksum");
      }
      if (payloadOk && !GroupFormat.isCutTrailer(trailer, seq)) {
        throw corruption(file, at, "group " + seq + " has a wrong trailer");
      }
      if (!last) {
        throw corruption(file, at, "torn group " + seq + " in a segment that is not the last");
      }
      return end(file, map, at, (int) (at + total), seq, groups, seq, true, crc);
    }
  }

  /**
   * Whether the header at {@code at} is one a write cut short leaves: some bytes, then zeros to the
   * end of the header, and only zeros after it. A complete group has a non-zero trailer, so no
   * damage to one written whole looks like this.
   */
  private static boolean isCutHeader(ByteBuffer map, int at) {
    int end = at + GroupFormat.HEADER_BYTES;
    int firstZero = end;
    while (firstZero > at && map.get(firstZero - 1) == 0) {
      firstZero--;
    }
    if (firstZero == end) {
      return false;
    }
    for (int p = end; p < map.capacity(); p++) {
      if (map.get(p) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end at {@code at}. In the last segment, looks from {@code clearFrom} on for a valid header
   * (corruption) and finds where the non-zero bytes after {@code at} end.
   */
  private static End end(
      Path file,
      ByteBuffer map,
      int at,
      int clearFrom,
      long nextSeq,
      int groups,
      long tornSeq,
      boolean last,
      CRC32C crc) {
    if (!last) {
      return new End(at, nextSeq, groups, tornSeq, at);
    }
    int size = map.capacity();
    int dirtyEnd = at;
    for (int p = at; p + Long.BYTES <= size; p += Long.BYTES) {
      if (map.getLong(p) == 0) {
        continue;
      }
      dirtyEnd = p + Long.BYTES;
      boolean headerFits = p >= clearFrom && p + GroupFormat.HEADER_BYTES <= size;
      if (headerFits && GroupFormat.headerKind(map, p, crc) == GroupFormat.HeaderKind.VALID) {
        throw corruption(
            file,
            p,
            "valid group "
                + GroupFormat.seq(map, p)
                + " after the end of"
                + " the log at offset "
                + at
                + " (a group in the middle is damaged)");
      }
    }
    return new End(at, nextSeq, groups, tornSeq, dirtyEnd);
  }

  static StorageCorruptionException corruption(Path file, long offset, String reason) {
    return new StorageCorruptionException(
        "acceptor log " + file + " at offset " + offset + ": " + reason);
  }
}
