package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import java.util.Collections;
import java.util.List;

/**
 * The acceptor state after group {@code seq}, as a checkpoint stores it: the scalars, the snapshot
 * and the entries above the snapshot index in slot order. Made on the writer thread at a group
 * boundary and handed to the checkpoint thread, so neither may change it afterwards: the entries
 * list is wrapped read-only (not copied again), the snapshot's bytes never change.
 */
record CheckpointImage(
    long seq,
    long promised,
    long chosenIndex,
    long snapshotIndex,
    SnapshotBytes snapshot,
    List<Entry> entries) {

  CheckpointImage {
    entries = Collections.unmodifiableList(entries);
  }
}
