package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.Invariants;
import io.lockd.paxos.StoreWrite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;

/**
 * The production {@link AcceptorStore}: one MapDB 3 file with its write-ahead log in a directory
 * of its own.
 *
 * <p>Why transactions: without them MapDB writes its file in place as changes are made, and a
 * kill -9 usually leaves a file that refuses to open. With a transactional store ({@code
 * StoreWAL}) nothing reaches the store file before {@code commit()}. But MapDB 3.1's commit is
 * not crash safe either: it overwrites the file in place with many separate writes and never
 * replays its log on open, so a kill during a commit leaves a torn B-tree. The store file is
 * therefore a {@link JournaledVolume}: a commit's writes go to a journal, which is synced, and
 * only then into the file; opening finishes or drops a journal left by a crash. So {@link #write}
 * only changes the open transaction, {@link #sync} is one {@code commit()} for everything written
 * since the last one (group commit), and whatever was not committed is gone after a crash, never
 * half there. {@link #recover} still checks what it reads (checksums, slot order) and fails with
 * {@link StorageCorruptionException} rather than return a damaged state.
 *
 * <p>Layout: {@code meta}, one small record ({@link StoredMeta}) rewritten at each commit;
 * {@code entries}, a B-tree from slot to {@link EntryCodec} bytes with values outside the nodes
 * (a node then holds only keys and record ids, so appending a slot rewrites a small node, not
 * every value beside it); {@code snapshot}, the snapshot in {@link SnapshotChunks}. Reads of
 * {@code entries} always start from the snapshot index: MapDB never frees emptied B-tree nodes,
 * and a scan from the first key would walk every node truncation ever emptied.
 *
 * <p>Any failure leaves the transaction in an unknown state, so after one every call but {@link
 * #close} fails: the replica must stop, and a restart recovers the last commit. Used by one
 * thread at a time.
 */
public final class MapDbAcceptorStore implements AcceptorStore {
  private final DB db;
  private final Atomic.Var<byte[]> metaRecord;
  private final BTreeMap<Long, byte[]> entries;
  private final BTreeMap<Integer, byte[]> snapshotChunks;
  private final MapDbSink sink = new MapDbSink();

  private final AcceptorMeta meta;
  private int snapshotBytes;
  private int snapshotCrc;
  private boolean dirty;
  private long commits;
  private RuntimeException failure;

  MapDbAcceptorStore(MapDbFiles.Opened opened) {
    this.db = opened.db();
    this.metaRecord = opened.meta();
    this.entries = opened.entries();
    this.snapshotChunks = opened.snapshotChunks();
    StoredMeta stored = StoredMeta.decode(metaRecord.get());
    this.meta = stored.scalars();
    this.snapshotBytes = stored.snapshotBytes();
    this.snapshotCrc = stored.snapshotCrc();
  }

  /**
   * Opens the store kept in {@code directory}, creating both if needed. Creation is atomic: a
   * crash while creating leaves no store, not a broken one. The file is locked while open; a
   * second opener fails.
   */
  public static MapDbAcceptorStore open(Path directory) {
    return open(directory, JournaledVolume.Steps.NONE);
  }

  /** {@link #open(Path)}, telling {@code steps} about each step of every commit (for tests). */
  static MapDbAcceptorStore open(Path directory, JournaledVolume.Steps steps) {
    MapDbFiles.Opened opened = MapDbFiles.open(directory, steps);
    try {
      return new MapDbAcceptorStore(opened);
    } catch (RuntimeException e) {
      opened.db().close();
      throw e;
    }
  }

  @Override
  public RecoveredState recover() {
    checkUsable();
    try {
      return readAll();
    } catch (RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public void write(List<StoreWrite> writes) {
    checkUsable();
    // Refused before anything changes, so a refusal leaves the store sound and usable.
    meta.validate(writes);
    try {
      for (StoreWrite w : writes) {
        meta.apply(w, sink);
      }
    } catch (RuntimeException e) {
      throw failed(e);
    }
    dirty |= !writes.isEmpty();
  }

  /** Commits the open transaction: two fsyncs (log, then store). A no-op if nothing was written. */
  @Override
  public void sync() {
    checkUsable();
    if (!dirty) {
      return;
    }
    try {
      metaRecord.set(storedMeta().encode());
      db.commit();
    } catch (RuntimeException e) {
      throw failed(e);
    }
    dirty = false;
    commits++;
  }

  /** How many commits {@link #sync} made. */
  public long commits() {
    return commits;
  }

  /** Closes without committing: whatever was written since the last {@link #sync} is dropped. */
  @Override
  public void close() {
    if (db.isClosed()) {
      return;
    }
    try {
      db.rollback();
    } finally {
      db.close();
    }
  }

  private RecoveredState readAll() {
    byte[] snapshot = SnapshotChunks.read(snapshotChunks, snapshotBytes);
    if (Checksums.crc32c(snapshot, snapshot.length) != snapshotCrc) {
      throw new StorageCorruptionException("snapshot checksum mismatch at " + meta.snapshotIndex);
    }
    List<Entry> accepted =
        inSlotOrder(meta.snapshotIndex, entries.tailMap(meta.snapshotIndex, false).entrySet());
    return new RecoveredState(
        meta.promised, accepted, meta.chosenIndex, meta.snapshotIndex, snapshot);
  }

  /**
   * Decodes the stored entries above {@code snapshotIndex}. A sound B-tree yields strictly rising
   * keys; a duplicate, a key out of order or one at or below the snapshot means the tree is
   * damaged, and a damaged tree must stop the acceptor, never hand it a wrong log.
   */
  static List<Entry> inSlotOrder(long snapshotIndex, Iterable<Map.Entry<Long, byte[]>> stored) {
    List<Entry> accepted = new ArrayList<>();
    long previous = snapshotIndex;
    for (Map.Entry<Long, byte[]> record : stored) {
      long slot = record.getKey();
      if (slot <= previous) {
        throw new StorageCorruptionException(
            "entries out of order: slot " + slot + " after " + previous
                + " (snapshot index " + snapshotIndex + ")");
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

  private StoredMeta storedMeta() {
    return new StoredMeta(
        meta.promised, meta.chosenIndex, meta.snapshotIndex, snapshotBytes, snapshotCrc);
  }

  private void checkUsable() {
    Invariants.check(!db.isClosed(), "store is closed");
    if (failure != null) {
      throw new IllegalStateException("store failed earlier; reopen it to recover", failure);
    }
  }

  /** Remembers a failure: the transaction is now in an unknown state. */
  private RuntimeException failed(RuntimeException e) {
    failure = e;
    return e;
  }

  /** Turns the non-scalar parts of writes into MapDB changes inside the open transaction. */
  private final class MapDbSink implements AcceptorMeta.Sink {
    @Override
    public void putEntry(Entry entry) {
      entries.put(entry.slot(), EntryCodec.encode(entry));
    }

    @Override
    public void dropEntries(long afterSlot, long throughSlot) {
      List<Long> slots = new ArrayList<>(entries.subMap(afterSlot, false, throughSlot, true).keySet());
      for (Long slot : slots) {
        entries.remove(slot);
      }
    }

    @Override
    public void putSnapshot(long index, byte[] state) {
      SnapshotChunks.write(snapshotChunks, state);
      snapshotBytes = state.length;
      snapshotCrc = Checksums.crc32c(state, state.length);
    }
  }
}
