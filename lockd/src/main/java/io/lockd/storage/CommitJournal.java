package io.lockd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The redo record of one MapDB commit: every byte range the commit writes into the store file, so
 * that a commit cut short by a crash can be finished on the next open. Format version 1:
 *
 * <pre>
 *   i32 magic "LKJ1" | i32 length of the whole record | i32 range count
 *   per range: i64 file offset, i32 byte count, the bytes
 *   i32 CRC32C of every byte before it
 * </pre>
 *
 * <p>The journal file is empty between commits. A record that is shorter than its length, or
 * whose checksum does not match, is a journal the crash cut short: its commit never touched the
 * store file, so it is dropped.
 */
final class CommitJournal {
  /** One byte range of the store file and what a commit writes there. */
  record Range(long offset, byte[] bytes) {}

  static final int MAGIC = 0x4C4B4A31;
  private static final int HEADER_BYTES = 3 * Integer.BYTES;
  private static final int RANGE_HEADER_BYTES = Long.BYTES + Integer.BYTES;
  private static final int CRC_BYTES = Integer.BYTES;

  private CommitJournal() {}

  /** Writes the record at the start of {@code journal}, without syncing it. */
  static void write(FileChannel journal, List<Range> ranges) throws IOException {
    long length = HEADER_BYTES + CRC_BYTES;
    for (Range range : ranges) {
      length += RANGE_HEADER_BYTES + range.bytes().length;
    }
    if (length > Integer.MAX_VALUE) {
      throw new IllegalStateException("one commit writes " + length + " bytes, over 2 GiB");
    }
    // Headers and checksum are small buffers; the range bytes are written from where they are.
    List<ByteBuffer> buffers = new ArrayList<>(2 * ranges.size() + 2);
    CRC32C crc = new CRC32C();
    buffers.add(checksummed(crc, ByteBuffer.allocate(HEADER_BYTES)
        .putInt(MAGIC).putInt((int) length).putInt(ranges.size())));
    for (Range range : ranges) {
      buffers.add(checksummed(crc, ByteBuffer.allocate(RANGE_HEADER_BYTES)
          .putLong(range.offset()).putInt(range.bytes().length)));
      crc.update(range.bytes());
      buffers.add(ByteBuffer.wrap(range.bytes()));
    }
    buffers.add(ByteBuffer.allocate(CRC_BYTES).putInt(0, (int) crc.getValue()));
    ByteBuffer[] all = buffers.toArray(new ByteBuffer[0]);
    journal.position(0);
    long written = 0;
    while (written < length) {
      written += journal.write(all);
    }
  }

  /**
   * Reads the record in {@code journal}: its ranges, or {@code null} if the journal is empty or
   * holds a record the crash cut short.
   */
  static List<Range> read(FileChannel journal) throws IOException {
    long size = journal.size();
    if (size < HEADER_BYTES + CRC_BYTES || size > Integer.MAX_VALUE) {
      return null;
    }
    ByteBuffer in = ByteBuffer.allocate((int) size);
    while (in.hasRemaining() && journal.read(in, in.position()) >= 0) {
      // read on
    }
    in.flip();
    int magic = in.getInt();
    int length = in.getInt();
    int count = in.getInt();
    if (magic != MAGIC || length < HEADER_BYTES + CRC_BYTES || length > size || count < 0) {
      return null;
    }
    if (in.getInt(length - CRC_BYTES) != Checksums.crc32c(in.array(), length - CRC_BYTES)) {
      return null;
    }
    in.limit(length - CRC_BYTES);
    List<Range> ranges = new ArrayList<>(Math.min(count, in.remaining() / RANGE_HEADER_BYTES));
    for (int i = 0; i < count; i++) {
      if (in.remaining() < RANGE_HEADER_BYTES) {
        throw new StorageCorruptionException("commit journal range " + i + " is cut short");
      }
      long offset = in.getLong();
      int bytes = in.getInt();
      if (offset < 0 || bytes < 0 || bytes > in.remaining()) {
        throw new StorageCorruptionException("commit journal range " + i + " is malformed");
      }
      byte[] data = new byte[bytes];
      in.get(data);
      ranges.add(new Range(offset, data));
    }
    if (in.hasRemaining()) {
      throw new StorageCorruptionException("commit journal has " + in.remaining() + " extra bytes");
    }
    return ranges;
  }

  private static ByteBuffer checksummed(CRC32C crc, ByteBuffer header) {
    header.flip();
    crc.update(header.duplicate());
    return header;
  }
}
