package io.lockd.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame of one group in a log segment: what every {@code sync()} writes. All offsets are 8-byte
 * aligned; integers are big-endian.
 *
 * <pre>
 *   0  u32 magic            "LKDG"
 *   4  u32 header CRC32C    over bytes 8..24 of the header
 *   8  u64 seq              1 for the first group ever; +1 for each group, across segments
 *  16  u32 payload length   bytes of records
 *  20  u32 payload CRC32C   over the records and the zero padding after them
 *  24  payload             records ({@link LogRecords}), then zeros up to 8-byte alignment
 *   .  u64 trailer          derived from seq ({@link #trailer}): every byte non-zero
 * </pre>
 *
 * <p>Why each part: a header never straddles a 512-byte sector ({@link #headerStart}), so a sector
 * write that is torn or lost leaves a header either whole or all zeros; a zero header is where a
 * segment's data ends, and a non-zero header that fails its CRC is damage (unless it is a header
 * cut short with nothing at all after it, see {@link SegmentScanner}). The trailer ends the group's
 * one write, so a group whose trailer is missing was cut short by a crash, while a group with its
 * trailer in place and a payload that fails its CRC was complete once and changed afterwards:
 * corruption, not a torn tail. Every byte of the trailer has two bits set, so no single flipped bit
 * can make a complete trailer look like one cut short (which ends in zeros).
 */
final class GroupFormat {
  static final int MAGIC = 0x4C4B4447; // "LKDG"
  static final int HEADER_BYTES = 24;
  static final int TRAILER_BYTES = 8;
  static final int SECTOR_BYTES = 512;
  static final long TRAILER_XOR = 0xA5C3_5A3C_0F1E_2D4BL;

  /** Bits 0 and 7 of every byte. */
  static final long TRAILER_BITS = 0x8181_8181_8181_8181L;

  private static final int CRC_FROM = 8;

  private GroupFormat() {}

  static long align8(long bytes) {
    return (bytes + 7) & ~7L;
  }

  /** Bytes a group with this much payload takes, header to trailer. */
  static long groupBytes(long payloadBytes) {
    return HEADER_BYTES + align8(payloadBytes) + TRAILER_BYTES;
  }

  /**
   * Where a group that would start at {@code offset} (8-byte aligned) really starts: at the next
   * sector boundary when its header would otherwise cross one. Writer and reader both apply it.
   */
  static long headerStart(long offset) {
    long inSector = offset % SECTOR_BYTES;
    return inSector + HEADER_BYTES > SECTOR_BYTES ? offset - inSector + SECTOR_BYTES : offset;
  }

  /** The trailer of group {@code seq}: no byte of it is zero, or one bit away from zero. */
  static long trailer(long seq) {
    return (seq ^ TRAILER_XOR) | TRAILER_BITS;
  }

  /**
   * Whether {@code found} is what a write cut short inside or before the trailer of group {@code
   * seq} leaves: the trailer's first bytes (maybe none) and then zeros.
   */
  static boolean isCutTrailer(long found, long seq) {
    long expected = trailer(seq);
    for (int zeroBytes = 8; zeroBytes >= 1; zeroBytes--) {
      long keptMask = zeroBytes == 8 ? 0 : -1L << (8 * zeroBytes);
      if (found == (expected & keptMask)) {
        return true;
      }
    }
    return false;
  }

  /** Fills the header at {@code buf[0..24)}, computing the header CRC with {@code crc}. */
  static void putHeader(ByteBuffer buf, long seq, int payloadBytes, int payloadCrc, CRC32C crc) {
    buf.putInt(0, MAGIC);
    buf.putLong(8, seq);
    buf.putInt(16, payloadBytes);
    buf.putInt(20, payloadCrc);
    buf.putInt(4, headerCrc(buf, 0, crc));
  }

  /** CRC32C of bytes 8..24 of the header at {@code at}; leaves {@code buf}'s bounds unchanged. */
  static int headerCrc(ByteBuffer buf, int at, CRC32C crc) {
    return crc32c(buf, at + CRC_FROM, HEADER_BYTES - CRC_FROM, crc);
  }

  /** CRC32C of {@code buf[from, from + length)}; leaves {@code buf}'s bounds unchanged. */
  static int crc32c(ByteBuffer buf, int from, int length, CRC32C crc) {
    int position = buf.position();
    int limit = buf.limit();
    crc.reset();
    buf.limit(from + length).position(from);
    crc.update(buf);
    buf.limit(limit).position(position);
    return (int) crc.getValue();
  }

  /** What the 24 bytes at a group start hold. */
  enum HeaderKind {
    /** All zeros: nothing was ever written here, the segment's data ends. */
    ZERO,
    /** Magic and header CRC right. */
    VALID,
    /** Neither: damage. */
    DAMAGED
  }

  static HeaderKind headerKind(ByteBuffer buf, int at, CRC32C crc) {
    if (buf.getLong(at) == 0 && buf.getLong(at + 8) == 0 && buf.getLong(at + 16) == 0) {
      return HeaderKind.ZERO;
    }
    boolean valid = buf.getInt(at) == MAGIC && buf.getInt(at + 4) == headerCrc(buf, at, crc);
    return valid ? HeaderKind.VALID : HeaderKind.DAMAGED;
  }

  static long seq(ByteBuffer buf, int at) {
    return buf.getLong(at + 8);
  }

  static int payloadBytes(ByteBuffer buf, int at) {
    return buf.getInt(at + 16);
  }

  static int payloadCrc(ByteBuffer buf, int at) {
    return buf.getInt(at + 20);
  }
}
