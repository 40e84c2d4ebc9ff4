package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import java.util.List;

/**
 * What an acceptor finds on disk when it starts.
 *
 * @param promised the highest ballot it promised (0 if none)
 * @param accepted accepted entries above the snapshot index, in slot order
 * @param chosenIndex every slot up to this one is chosen (at least {@code snapshotIndex})
 * @param snapshotIndex the last slot covered by {@code snapshot} (0 if there is none)
 * @param snapshot the state-machine snapshot ({@link SnapshotBytes#EMPTY} if there is none)
 * @param lostThroughSlot 0, or the highest slot whose acceptance the store may have lost although
 *     it was synced (a disk fault it detected): the acceptor must not answer a prepare until it
 *     knows every slot up to here as chosen, or it could hide a value a majority chose with it
 */
public record RecoveredState(
    long promised,
    List<Entry> accepted,
    long chosenIndex,
    long snapshotIndex,
    SnapshotBytes snapshot,
    long lostThroughSlot) {

  public static final RecoveredState EMPTY =
      new RecoveredState(0, List.of(), 0, 0, SnapshotBytes.EMPTY);

  public RecoveredState {
    accepted = List.copyOf(accepted);
  }

  /** What a store found intact. */
  public RecoveredState(
      long promised,
      List<Entry> accepted,
      long chosenIndex,
      long snapshotIndex,
      SnapshotBytes snapshot) {
    this(promised, accepted, chosenIndex, snapshotIndex, snapshot, 0);
  }
}
