package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * An acceptor's whole state in memory: the scalars ({@link AcceptorMeta}), the accepted entries
 * above the snapshot index, and the snapshot. Both stores keep one: the log store as the state its
 * checkpoints copy, the in-memory store as what survives a crash. Entries and snapshot bytes are
 * shared, never copied: {@code Entry} is immutable and a snapshot's bytes never change.
 */
final class AcceptorMirror implements AcceptorMeta.Sink {
  final AcceptorMeta meta;
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private SnapshotBytes snapshot;
  private boolean snapshotChanged;

  AcceptorMirror() {
    this(AcceptorMeta.empty(), SnapshotBytes.EMPTY);
  }

  private AcceptorMirror(AcceptorMeta meta, SnapshotBytes snapshot) {
    this.meta = meta;
    this.snapshot = snapshot;
  }

  /** The state a checkpoint holds. */
  static AcceptorMirror of(CheckpointImage image) {
    AcceptorMirror mirror =
        new AcceptorMirror(
            new AcceptorMeta(image.promised(), image.chosenIndex(), image.snapshotIndex()),
            image.snapshot());
    for (Entry entry : image.entries()) {
      mirror.entries.put(entry.slot(), entry);
    }
    return mirror;
  }

  /** Applies one write, as {@link AcceptorMeta#apply} defines it. */
  void apply(StoreWrite write) {
    meta.apply(write, this);
  }

  @Override
  public void putEntry(Entry entry) {
    entries.put(entry.slot(), entry);
  }

  @Override
  public void dropEntries(long afterSlot, long throughSlot) {
    entries.headMap(throughSlot, true).clear();
  }

  @Override
  public void putSnapshot(long index, SnapshotBytes state) {
    snapshot = state;
    snapshotChanged = true;
  }

  /** Whether a snapshot was applied since the last call. */
  boolean takeSnapshotChanged() {
    boolean changed = snapshotChanged;
    snapshotChanged = false;
    return changed;
  }

  /**
   * An immutable copy for a checkpoint covering groups up to {@code seq}: a list of the entries
   * (O(entries) references, no entry copied) and the snapshot's bytes themselves.
   */
  CheckpointImage image(long seq) {
    return new CheckpointImage(
        seq,
        meta.promised,
        meta.chosenIndex,
        meta.snapshotIndex,
        snapshot,
        new ArrayList<>(entries.values()));
  }

  /** The state as a replica starts from it (the snapshot's bytes never change: shared). */
  RecoveredState recovered() {
    return new RecoveredState(
        meta.promised,
        List.copyOf(entries.values()),
        meta.chosenIndex,
        meta.snapshotIndex,
        snapshot);
  }
}
