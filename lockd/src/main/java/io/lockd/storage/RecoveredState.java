package io.lockd.storage;

import io.lockd.paxos.Entry;
import java.util.List;

/**
 * What an acceptor finds on disk when it starts.
 *
 * @param promised the highest ballot it promised (0 if none)
 * @param accepted accepted entries above the snapshot index, in slot order
 * @param chosenIndex every slot up to this one is chosen (at least {@code snapshotIndex})
 * @param snapshotIndex the last slot covered by {@code snapshot} (0 if there is none)
 * @param snapshot the state-machine snapshot, or an empty array if there is none
 */
public record RecoveredState(
    long promised, List<Entry> accepted, long chosenIndex, long snapshotIndex, byte[] snapshot) {

  public static final RecoveredState EMPTY = new RecoveredState(0, List.of(), 0, 0, new byte[0]);

  public RecoveredState {
    accepted = List.copyOf(accepted);
  }
}
