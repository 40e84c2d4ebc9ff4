package io.lockd.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The files of one acceptor's data directory, and the lock that makes it one process's:
 *
 * <pre>
 *   LOCK                        held (FileChannel.tryLock) while the store is open
 *   wal/%016x.wal               log segments, named by the seq of the first group they hold
 *   checkpoint-%016x.db         MapDB checkpoints, named by the last group seq they cover
 *   snapshot-%016x.snap         snapshots, numbered in the order written (a number is never
 *                               used twice; later checkpoints may refer to the same file)
 *   *.tmp, wal/*.tmp            unfinished checkpoints, snapshots being encoded and spare
 *                               segments; deleted at open
 * </pre>
 *
 * Other files (the server's own lock file, for one) are left alone.
 */
final class DataDirectory implements AutoCloseable {
  static final String LOCK = "LOCK";
  static final String WAL = "wal";
  static final String OLD_FORMAT_FILE = "acceptor.db";
  private static final String SEGMENT_SUFFIX = ".wal";
  private static final String CHECKPOINT_PREFIX = "checkpoint-";
  private static final String CHECKPOINT_SUFFIX = ".db";
  private static final String SNAPSHOT_PREFIX = "snapshot-";
  private static final String SNAPSHOT_SUFFIX = ".snap";
  private static final String TMP_SUFFIX = ".tmp";

  private final Path root;
  private final Path wal;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.wal = root.resolve(WAL);
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates the directory if needed, takes its lock, refuses the old format and deletes
   * temporaries. Fails if another process (or another store in this one) holds the lock.
   */
  static DataDirectory open(Path root, StorageIo io) throws IOException {
    if (!Files.isDirectory(root)) {
      Files.createDirectories(root);
      // Its entry must be durable too, or a power cut could take the whole directory away.
      io.fsync(root.toAbsolutePath().getParent());
    }
    if (Files.exists(root.resolve(OLD_FORMAT_FILE))) {
      throw new IllegalStateException(
          "data directory "
              + root
              + " holds "
              + OLD_FORMAT_FILE
              + ": it was written by an older"
              + " lockd (one MapDB commit per log slot), which this version cannot read. There is"
              + " no migration: stop the whole cell, move every replica's data directory aside"
              + " and start the cell with empty ones (one acceptor forgetting its state alone"
              + " can break consensus)");
    }
    FileChannel channel =
        FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "data directory " + root + " is in use: another store holds " + root.resolve(LOCK));
    }
    DataDirectory dir = new DataDirectory(root, channel, lock);
    try {
      dir.prepare(io);
      return dir;
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  private void prepare(StorageIo io) throws IOException {
    if (!Files.isDirectory(wal)) {
      Files.createDirectories(wal);
      // The new directory's entry must be durable before segments inside it are relied on.
      io.fsync(root);
    }
    deleteTemporaries(root, io);
    deleteTemporaries(wal, io);
  }

  private static void deleteTemporaries(Path dir, StorageIo io) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(TMP_SUFFIX)) {
          io.delete(f);
        }
      }
    }
  }

  Path root() {
    return root;
  }

  Path wal() {
    return wal;
  }

  Path segment(long firstSeq) {
    return wal.resolve(String.format(Locale.ROOT, "%016x", firstSeq) + SEGMENT_SUFFIX);
  }

  Path spare(long number) {
    return wal.resolve("spare-" + number + TMP_SUFFIX);
  }

  Path checkpoint(long seq) {
    return root.resolve(checkpointName(seq) + CHECKPOINT_SUFFIX);
  }

  Path checkpointTmp(long seq) {
    return root.resolve(checkpointName(seq) + TMP_SUFFIX);
  }

  private static String checkpointName(long seq) {
    return CHECKPOINT_PREFIX + String.format(Locale.ROOT, "%016x", seq);
  }

  Path snapshot(long number) {
    return root.resolve(snapshotName(number) + SNAPSHOT_SUFFIX);
  }

  Path snapshotTmp(long number) {
    return root.resolve(snapshotName(number) + TMP_SUFFIX);
  }

  private static String snapshotName(long number) {
    return SNAPSHOT_PREFIX + String.format(Locale.ROOT, "%016x", number);
  }

  /** A temporary an encoder writes a snapshot into; deleted at open unless renamed before. */
  Path encodingTmp(long unique) {
    return root.resolve("encoding-" + unique + TMP_SUFFIX);
  }

  /** Snapshot files by the number in their name. */
  NavigableMap<Long, Path> snapshots() throws IOException {
    return list(root, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX);
  }

  /** Segment files by the seq of their first group. */
  NavigableMap<Long, Path> segments() throws IOException {
    return list(wal, "", SEGMENT_SUFFIX);
  }

  /** Checkpoint files by the last group seq they cover. */
  NavigableMap<Long, Path> checkpoints() throws IOException {
    return list(root, CHECKPOINT_PREFIX, CHECKPOINT_SUFFIX);
  }

  /** Files named prefix + 16 hex digits + suffix, by that number; any other name is ignored. */
  private static NavigableMap<Long, Path> list(Path dir, String prefix, String suffix)
      throws IOException {
    NavigableMap<Long, Path> found = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        int digits = name.length() - prefix.length() - suffix.length();
        if (digits == 16 && name.startsWith(prefix) && name.endsWith(suffix)) {
          String hex = name.substring(prefix.length(), prefix.length() + 16);
          if (hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            found.put(Long.parseUnsignedLong(hex, 16), f);
          }
        }
      }
    }
    return found;
  }

  /** Releases the lock. */
  @Override
  public void close() throws IOException {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } finally {
      lockChannel.close();
    }
  }
}
