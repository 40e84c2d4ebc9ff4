package io.lockd.storage;

import io.lockd.paxos.SnapshotBytes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A snapshot in a file of the data directory, read from there on demand: the replica's heap holds
 * the state once, not again as its snapshot. Either numbered ({@code snapshot-<number>.snap}, the
 * file a checkpoint refers to) or, as an encoder just wrote it, a temporary that the next
 * checkpoint renames into a numbered file ({@link #numbered}); a temporary no checkpoint took is
 * deleted once nothing refers to it any more.
 *
 * <p>The file stays open while anything refers to this object, so a transfer that began before a
 * newer checkpoint deleted the file still reads it whole (an unlinked file lives on while open);
 * the descriptor is closed once this object is unreachable. A {@link RandomAccessFile}, not a
 * {@code FileChannel}: an interrupt of any thread reading a channel closes it for every thread, and
 * the core, the transport and backups all read this.
 */
final class FileSnapshot implements SnapshotBytes {
  private static final Cleaner CLEANER = Cleaner.create();

  /** What must be released when the snapshot is unreachable; refers to nothing that refers back. */
  private static final class Resources implements Runnable {
    final RandomAccessFile in;
    volatile Path unclaimedTemporary;

    Resources(RandomAccessFile in, Path unclaimedTemporary) {
      this.in = in;
      this.unclaimedTemporary = unclaimedTemporary;
    }

    @Override
    public void run() {
      closeQuietly(in);
      Path temporary = unclaimedTemporary;
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException e) {
          // left for the next open, which deletes every temporary
        }
      }
    }
  }

  private final long size;
  private final int crc;
  private final Resources resources;
  private volatile Path file;
  private volatile long number;

  private FileSnapshot(Path file, long number, long size, int crc, RandomAccessFile in) {
    this.file = file;
    this.number = number;
    this.size = size;
    this.crc = crc;
    this.resources = new Resources(in, number == 0 ? file : null);
    CLEANER.register(this, resources);
  }

  /**
   * Opens numbered file {@code file}, which must hold {@code size} bytes whose CRC32C is {@code
   * crc}: checked now if {@code verify}, by reading the whole file (at recovery); trusted otherwise
   * (just written).
   */
  static FileSnapshot open(Path file, long number, long size, int crc, boolean verify)
      throws IOException {
    if (number <= 0) {
      throw new IllegalArgumentException("snapshot files are numbered from 1, not " + number);
    }
    return open(file, number, size, crc, verify, true);
  }

  /** Opens the temporary {@code file} an encoder just wrote and synced. */
  static FileSnapshot temporary(Path file, long size, int crc) throws IOException {
    return open(file, 0, size, crc, false, false);
  }

  private static FileSnapshot open(
      Path file, long number, long size, int crc, boolean verify, boolean numbered)
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
      FileSnapshot snapshot = new FileSnapshot(file, numbered ? number : 0, size, crc, in);
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

  /** The number in the file's name; 0 for a temporary. */
  long number() {
    return number;
  }

  /** A temporary, now renamed to numbered file {@code renamed}: a checkpoint refers to it. */
  void numbered(long newNumber, Path renamed) {
    this.file = renamed;
    this.number = newNumber;
    resources.unclaimedTemporary = null;
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
    Objects.checkFromIndexSize(offset, length, size());
    RandomAccessFile in = resources.in;
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
