package io.lockd.storage;

import io.lockd.paxos.SnapshotBytes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Path;

/**
 * A snapshot durable in a file of the data directory ({@code snapshot-<number>.snap}, written by
 * the checkpoint that first held it), read from there on demand: the replica's heap holds the state
 * once, not again as its snapshot. The file stays open while anything refers to this object, so a
 * transfer that began before a newer checkpoint deleted the file still reads it whole (an unlinked
 * file lives on while open); the descriptor is closed once this object is unreachable.
 *
 * <p>A {@link RandomAccessFile}, not a {@code FileChannel}: an interrupt of any thread reading a
 * channel closes it for every thread, and the core, the transport and backups all read this.
 */
final class FileSnapshot implements SnapshotBytes {
  private static final Cleaner CLOSER = Cleaner.create();

  private final Path file;
  private final long number;
  private final long size;
  private final int crc;
  private final RandomAccessFile in;

  private FileSnapshot(Path file, long number, long size, int crc, RandomAccessFile in) {
    this.file = file;
    this.number = number;
    this.size = size;
    this.crc = crc;
    this.in = in;
    CLOSER.register(this, () -> closeQuietly(in));
  }

  /**
   * Opens {@code file}, which must hold {@code size} bytes whose CRC32C is {@code crc}: checked now
   * if {@code verify}, by reading the whole file (at recovery); trusted otherwise (just written).
   */
  static FileSnapshot open(Path file, long number, long size, int crc, boolean verify)
      throws IOException {
    RandomAccessFile in = new RandomAccessFile(file.toFile(), "r");
    try {
      if (in.length() != size) {
        throw new StorageCorruptionException(
            "snapshot file "
                + file
                + " has "
                + in.length()
                + " bytes, its checkpoint says "
                + size);
      }
      FileSnapshot snapshot = new FileSnapshot(file, number, size, crc, in);
      if (verify && SnapshotFiles.crc32c(snapshot) != crc) {
        throw new StorageCorruptionException("snapshot file " + file + ": checksum mismatch");
      }
      return snapshot;
    } catch (IOException | RuntimeException e) {
      closeQuietly(in);
      throw e;
    }
  }

  Path file() {
    return file;
  }

  /** The number in the file's name. */
  long number() {
    return number;
  }

  /** CRC32C of the bytes. */
  int crc() {
    return crc;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, byte[] dst, int at, int length) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IndexOutOfBoundsException(
          "bytes " + offset + "+" + length + " of a snapshot of " + size);
    }
    try {
      synchronized (in) {
        in.seek(offset);
        in.readFully(dst, at, length);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read snapshot file " + file, e);
    }
  }

  private static void closeQuietly(RandomAccessFile in) {
    try {
      in.close();
    } catch (IOException e) {
      // nothing to do: it was only read
    }
  }
}
