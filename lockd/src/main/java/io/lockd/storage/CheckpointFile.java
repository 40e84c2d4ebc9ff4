package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.volume.ByteArrayVol;

/**
 * A checkpoint: one MapDB file written whole, never updated in place.
 *
 * <ul>
 *   <li>{@code meta}: one {@link CheckpointMeta} record.
 *   <li>{@code entries}: a B-tree from slot to {@link EntryCodec#encode} bytes (each with its own
 *       CRC32C), bulk-loaded in slot order.
 * </ul>
 *
 * <p>The snapshot is a file of its own ({@link SnapshotFiles}), written and synced before the
 * checkpoint that first refers to it. Checkpoints of format 2 held it here, in {@link
 * SnapshotChunks} under {@code snapshot}; they are still read.
 *
 * <p>Why this is crash safe although MapDB 3.1 is not (docs/storage.md): MapDB builds the store in
 * memory (a byte-array volume, no transactions), and our own code writes its bytes to a temporary
 * file in large writes, fsyncs it, and only then renames it to {@code checkpoint-<seq>.db} and
 * fsyncs the directory. A crash at any point leaves either a temporary (deleted at the next open)
 * or a complete file; no file is ever written again after its rename, so MapDB's lack of atomic
 * commits never matters. Building in memory also keeps MapDB's many small writes out of the kernel
 * (a file-backed MapDB made one {@code pwrite} per record and was several times slower) and makes
 * every file write pass through {@link StorageIo}, where the crash tests can stop it; the cost is
 * the checkpoint's size in heap while it is written. Reading checks every record's checksum, the
 * slot order and the counts in the meta record.
 */
final class CheckpointFile {
  private static final String META = "meta";
  private static final String ENTRIES = "entries";
  private static final String SNAPSHOT = "snapshot";
  private static final int ABANDON_CHECK_EVERY = 1024;
  private static final int WRITE_CHUNK_BYTES = 1 << 20;

  /** Writing stopped because the store is closing; the temporary was deleted. */
  static final class Abandoned extends Exception {
    private static final long serialVersionUID = 1L;
  }

  private CheckpointFile() {}

  /**
   * Writes {@code image} as {@code checkpoint-<seq>.db}, durably, with its snapshot's file first if
   * it has none yet (as {@code snapshot-<snapshotNumber>.snap}: a number never used before in this
   * directory, so that no rename can replace a file an older checkpoint refers to). Checks {@code
   * abandoned} as it goes and gives up (deleting the temporary) once it says so.
   *
   * @return the snapshot's file (null if the snapshot is empty)
   */
  static FileSnapshot write(
      DataDirectory directory,
      CheckpointImage image,
      long snapshotNumber,
      StorageIo io,
      BooleanSupplier abandoned)
      throws IOException, Abandoned {
    FileSnapshot snapshot =
        SnapshotFiles.store(directory, snapshotNumber, image.snapshot(), io, abandoned);
    Path tmp = directory.checkpointTmp(image.seq());
    io.delete(tmp);
    boolean renamed = false;
    try {
      ByteArrayVol volume = new ByteArrayVol();
      try (DB db = DBMaker.volumeDB(volume, false).make()) {
        fill(db, CheckpointMeta.of(image, snapshot), image, abandoned);
        db.commit();
        writeFile(tmp, volume, io);
      }
      if (abandoned.getAsBoolean()) {
        throw new Abandoned();
      }
      io.rename(tmp, directory.checkpoint(image.seq()));
      renamed = true;
      io.fsync(directory.root());
      return snapshot;
    } finally {
      if (!renamed) {
        io.delete(tmp);
      }
    }
  }

  private static void fill(
      DB db, CheckpointMeta meta, CheckpointImage image, BooleanSupplier abandoned)
      throws Abandoned {
    db.atomicVar(META, Serializer.BYTE_ARRAY, meta.encode()).create();
    DB.TreeMapSink<Long, byte[]> sink = entries(db).createFromSink();
    int written = 0;
    for (Entry entry : image.entries()) {
      if (++written % ABANDON_CHECK_EVERY == 0 && abandoned.getAsBoolean()) {
        throw new Abandoned();
      }
      sink.put(entry.slot(), EntryCodec.encode(entry));
    }
    sink.create();
  }

  /** Writes the store's bytes to {@code tmp} in chunks and fsyncs it. */
  private static void writeFile(Path tmp, ByteArrayVol volume, StorageIo io) throws IOException {
    try (FileChannel channel =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long length = volume.length();
      byte[] chunk = new byte[(int) Math.min(WRITE_CHUNK_BYTES, length)];
      for (long at = 0; at < length; at += chunk.length) {
        int bytes = (int) Math.min(chunk.length, length - at);
        volume.getData(at, chunk, 0, bytes);
        io.write(channel, ByteBuffer.wrap(chunk, 0, bytes), at, tmp);
      }
      io.force(channel, true, tmp);
    }
  }

  /**
   * Reads and checks the checkpoint in {@code file} of {@code directory}, which must cover exactly
   * {@code seq}, and opens its snapshot's file (reading it through to check its checksum).
   */
  static CheckpointImage read(DataDirectory directory, Path file, long seq) {
    // Read whole into memory with a few large reads, as it was written; MapDB reading a file
    // itself makes one pread per node and record.
    try (DB db = DBMaker.volumeDB(load(file), true).make()) {
      CheckpointMeta meta =
          CheckpointMeta.decode(db.atomicVar(META, Serializer.BYTE_ARRAY).open().get());
      if (meta.seq() != seq) {
        throw new StorageCorruptionException(
            "covers group " + meta.seq() + ", its name says " + seq);
      }
      SnapshotBytes snapshot = snapshot(directory, db, meta);
      List<Entry> entries = inSlotOrder(meta.snapshotIndex(), entries(db).open().entrySet());
      if (entries.size() != meta.entryCount()) {
        throw new StorageCorruptionException(
            "holds " + entries.size() + " entries, its meta record says " + meta.entryCount());
      }
      return new CheckpointImage(
          meta.seq(), meta.promised(), meta.chosenIndex(), meta.snapshotIndex(), snapshot, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    } catch (StorageCorruptionException e) {
      throw new StorageCorruptionException("checkpoint " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException | AssertionError e) {
      throw new StorageCorruptionException("checkpoint " + file + " is unreadable: " + e, e);
    }
  }

  private static SnapshotBytes snapshot(DataDirectory directory, DB db, CheckpointMeta meta)
      throws IOException {
    if (meta.snapshotFile() == CheckpointMeta.NO_FILE) {
      return SnapshotBytes.EMPTY;
    }
    if (meta.snapshotFile() >= 0) {
      return FileSnapshot.open(
          directory.snapshot(meta.snapshotFile()),
          meta.snapshotFile(),
          meta.snapshotBytes(),
          meta.snapshotCrc(),
          true);
    }
    // Format 2: inside the checkpoint. The next checkpoint moves it to a file of its own.
    byte[] bytes =
        SnapshotChunks.read(snapshotChunks(db).open(), Math.toIntExact(meta.snapshotBytes()));
    if (Checksums.crc32c(bytes, bytes.length) != meta.snapshotCrc()) {
      throw new StorageCorruptionException("snapshot checksum mismatch");
    }
    return SnapshotBytes.of(bytes);
  }

  private static ByteArrayVol load(Path file) throws IOException {
    ByteArrayVol volume = new ByteArrayVol();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long length = channel.size();
      volume.ensureAvailable(length);
      ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(WRITE_CHUNK_BYTES, length));
      for (long at = 0; at < length; at += chunk.capacity()) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), length - at));
        while (chunk.hasRemaining()) {
          if (channel.read(chunk, at + chunk.position()) < 0) {
            throw new IOException("checkpoint " + file + " ended early");
          }
        }
        volume.putData(at, chunk.array(), 0, chunk.limit());
      }
    }
    return volume;
  }

  /**
   * Decodes stored entries above {@code snapshotIndex}. A sound B-tree yields strictly rising keys;
   * a duplicate, a key out of order or one at or below the snapshot means the file is damaged, and
   * a damaged file must stop the acceptor, never hand it a wrong log.
   */
  static List<Entry> inSlotOrder(long snapshotIndex, Iterable<Map.Entry<Long, byte[]>> stored) {
    List<Entry> accepted = new ArrayList<>();
    long previous = snapshotIndex;
    for (Map.Entry<Long, byte[]> record : stored) {
      long slot = record.getKey();
      if (slot <= previous) {
        throw new StorageCorruptionException(
            "entries out of order: slot "
                + slot
                + " after "
                + previous
                + " (snapshot index "
                + snapshotIndex
                + ")");
      }
      Entry entry = EntryCodec.decode(record.getValue());
      if (entry.slot() != slot) {
        throw new StorageCorruptionException(
            "entry for slot " + entry.slot() + " stored under slot " + slot);
      }
      accepted.add(entry);
      previous = slot;
    }
    return accepted;
  }

  private static DB.TreeMapMaker<Long, byte[]> entries(DB db) {
    return db.treeMap(ENTRIES, Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable();
  }

  private static DB.TreeMapMaker<Integer, byte[]> snapshotChunks(DB db) {
    return db.treeMap(SNAPSHOT, Serializer.INTEGER, Serializer.BYTE_ARRAY)
        .valuesOutsideNodesEnable();
  }
}
