package io.lockd.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;
import org.mapdb.volume.FileChannelVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/**
 * Opens the MapDB file of a {@link MapDbAcceptorStore}, creating it atomically the first time.
 * MapDB's own creation is not crash safe (a kill while it writes the first header leaves a file
 * that will not open), so a new store is built and committed in a staging folder and then renamed
 * into place: after a crash there is either a complete store or none.
 *
 * <p>Nor is a MapDB 3.1 commit crash safe, so the store file goes through a {@link
 * JournaledVolume} (see there and docs/storage.md). That needs a volume factory of our own, which
 * {@code DBMaker} does not accept together with transactions, so {@link #openDb} builds the
 * {@code StoreWAL} and the {@code DB} itself, with the settings {@code
 * DBMaker.fileDB(file).fileChannelEnable().transactionEnable()} would use.
 */
final class MapDbFiles {
  static final String FILE_NAME = "acceptor.db";
  static final String JOURNAL_NAME = FILE_NAME + ".journal";
  static final String STAGING_DIR = "creating";
  private static final String META = "meta";
  private static final String ENTRIES = "entries";
  private static final String SNAPSHOT = "snapshot";

  /** An open DB with the store's three collections. */
  record Opened(
      DB db,
      Atomic.Var<byte[]> meta,
      BTreeMap<Long, byte[]> entries,
      BTreeMap<Integer, byte[]> snapshotChunks) {}

  private MapDbFiles() {}

  static Opened open(Path directory) {
    return open(directory, JournaledVolume.Steps.NONE);
  }

  /** {@link #open(Path)}, telling {@code steps} about each step of every commit (for tests). */
  static Opened open(Path directory, JournaledVolume.Steps steps) {
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve(FILE_NAME);
      Path staging = directory.resolve(STAGING_DIR);
      if (!Files.exists(file)) {
        createInStaging(staging);
        Files.move(staging.resolve(FILE_NAME), file, StandardCopyOption.ATOMIC_MOVE);
        fsync(directory, StandardOpenOption.READ);
      }
      // Whatever is left in staging is an unfinished creation or one already moved into place.
      deleteFolder(staging);
      boolean newJournal = !Files.exists(directory.resolve(JOURNAL_NAME));
      DB db = openDb(file, steps);
      try {
        if (newJournal) {
          fsync(directory, StandardOpenOption.READ);
        }
        return new Opened(
            db,
            db.atomicVar(META, Serializer.BYTE_ARRAY).open(),
            entries(db).open(),
            snapshotChunks(db).open());
      } catch (IOException | RuntimeException e) {
        db.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open acceptor store in " + directory, e);
    }
  }

  private static void createInStaging(Path staging) throws IOException {
    deleteFolder(staging);
    Files.createDirectories(staging);
    Path file = staging.resolve(FILE_NAME);
    try (DB db = openDb(file, JournaledVolume.Steps.NONE)) {
      db.atomicVar(META, Serializer.BYTE_ARRAY, StoredMeta.EMPTY.encode()).create();
      entries(db).create();
      snapshotChunks(db).create();
      db.commit();
    }
    fsync(file, StandardOpenOption.WRITE);
  }

  /**
   * A transactional MapDB over {@code file}, whose store file is a {@link JournaledVolume} next to
   * {@code <file>.journal}. FileChannel volumes: the fastest transactional mode measured here.
   */
  static DB openDb(Path file, JournaledVolume.Steps steps) {
    Volumes volumes = new Volumes(file, steps);
    try {
      return openDb(file, volumes);
    } catch (RuntimeException | Error e) {
      // A file MapDB refuses must not keep the journal locked for the next attempt.
      volumes.closeAll();
      throw e;
    }
  }

  /** A transactional MapDB over {@code file} whose files come from {@code volumes}. */
  static DB openDb(Path file, VolumeFactory volumes) {
    String name = file.toString();
    boolean exists = volumes.exists(name);
    StoreWAL store =
        StoreWAL.make(
            name,
            volumes,
            0L, // fileLockWait: fail at once if another process holds the file
            true, // isThreadSafe
            CC.STORE_DIRECT_CONC_SHIFT,
            0L, // allocateIncrement: MapDB's default
            0L, // allocateStartSize
            false, // fileDeleteAfterClose
            false, // fileDeleteAfterOpen
            false, // checksum: StoreWAL supports none
            true, // checksumHeader
            false); // checksumHeaderBypass
    try {
      return new DB(store, exists, true, Thread.currentThread().getContextClassLoader(), 0);
    } catch (RuntimeException | Error e) {
      store.close();
      throw e;
    }
  }

  /**
   * The store file becomes a {@link JournaledVolume}. MapDB's write-ahead log files ({@code
   * <file>.wal.N}) stay plain files but are not synced: MapDB never reads them back after a crash
   * (they only hold the records of the open transaction), and the journal now makes a commit
   * durable, so syncing them would only add a third fsync per commit.
   */
  private static final class Volumes extends FileChannelVolumes {
    private final Path file;
    private final JournaledVolume.Steps steps;
    private final List<Volume> made = new ArrayList<>();

    Volumes(Path file, JournaledVolume.Steps steps) {
      this.file = file;
      this.steps = steps;
    }

    @Override
    public Volume makeVolume(
        String name,
        boolean readOnly,
        long fileLockWait,
        int sliceShift,
        long initSize,
        boolean fixedSize) {
      Supplier<Volume> open =
          () ->
              FileChannelVol.FACTORY.makeVolume(
                  name, readOnly, fileLockWait, sliceShift, initSize, fixedSize);
      Volume volume;
      if (Path.of(name).equals(file)) {
        volume = JournaledVolume.open(file, file.resolveSibling(JOURNAL_NAME), open, steps);
      } else {
        volume =
            new ForwardingVolume(open.get()) {
              @Override
              public void sync() {
                // See the class comment: the journal, not this log, makes a commit durable.
              }
            };
      }
      made.add(volume);
      return volume;
    }

    void closeAll() {
      for (Volume volume : made) {
        try {
          volume.close();
        } catch (RuntimeException e) {
          // Closing what is left after a failed open; the open's own failure is the one to report.
        }
      }
    }
  }

  /** Volumes over FileChannel files, as {@code DBMaker...fileChannelEnable()} would make them. */
  abstract static class FileChannelVolumes extends VolumeFactory {
    @Override
    public boolean exists(String name) {
      return FileChannelVol.FACTORY.exists(name);
    }

    @Override
    public boolean handlesReadonly() {
      return false;
    }
  }

  private static DB.TreeMapMaker<Long, byte[]> entries(DB db) {
    return db.treeMap(ENTRIES, Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable();
  }

  private static DB.TreeMapMaker<Integer, byte[]> snapshotChunks(DB db) {
    return db.treeMap(SNAPSHOT, Serializer.INTEGER, Serializer.BYTE_ARRAY)
        .valuesOutsideNodesEnable();
  }

  private static void fsync(Path path, StandardOpenOption mode) throws IOException {
    try (FileChannel channel = FileChannel.open(path, mode)) {
      channel.force(true);
    }
  }

  private static void deleteFolder(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.delete(f);
      }
    }
    Files.delete(folder);
  }
}
