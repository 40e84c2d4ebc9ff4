package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Entry;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link CrashingAcceptorMain} acknowledged over all its runs, and the check that a
 * recovered store holds all of it and nothing torn.
 */
final class AckedDecisions {
  private long promised;
  private long chosen;
  private long durableSnapshot;
  private final TreeMap<Long, Long> acceptedBallots = new TreeMap<>();
  private long count;

  long count() {
    return count;
  }

  /** Records one line the child printed after its sync. */
  void ack(String line) {
    String[] f = line.split(" ");
    switch (f.length == 2 || f.length == 3 ? f[0] : "?") {
      case "P" -> promised = Math.max(promised, Long.parseLong(f[1]));
      case "A" -> acceptedBallots.merge(Long.parseLong(f[1]), Long.parseLong(f[2]), Math::max);
      case "C" -> chosen = Math.max(chosen, Long.parseLong(f[1]));
      // A snapshot is durable only once its checkpoint is (K), not with its sync (S).
      case "S" -> {}
      case "K" -> durableSnapshot = Math.max(durableSnapshot, Long.parseLong(f[1]));
      default -> throw new AssertionError("child printed a malformed line: " + line);
    }
    count++;
  }

  /**
   * Everything acknowledged is there, every recovered record is whole and consistent. Entries are
   * required down to the recovered snapshot, whichever it is: a snapshot whose checkpoint was not
   * yet durable may be lost, the entries it would have replaced may not.
   */
  void check(RecoveredState state) {
    assertTrue(
        state.promised() >= promised, "promise lost: " + state.promised() + " < " + promised);
    assertTrue(
        state.chosenIndex() >= chosen, "chosen lost: " + state.chosenIndex() + " < " + chosen);
    assertTrue(
        state.snapshotIndex() >= durableSnapshot,
        "durable snapshot lost: " + state.snapshotIndex() + " < " + durableSnapshot);
    assertTrue(state.chosenIndex() >= state.snapshotIndex(), "chosen below snapshot");
    byte[] expectedSnapshot =
        state.snapshotIndex() == 0
            ? new byte[0]
            : TestData.snapshot(state.snapshotIndex(), CrashingAcceptorMain.MAX_SNAPSHOT_BYTES);
    assertArrayEquals(expectedSnapshot, state.snapshot().toArray(), "snapshot content");

    Map<Long, Long> recovered = new HashMap<>();
    long previous = state.snapshotIndex();
    for (Entry entry : state.accepted()) {
      assertTrue(
          entry.slot() > previous, "slots out of order or under the snapshot: " + entry.slot());
      previous = entry.slot();
      assertEquals(TestData.entry(entry.slot(), entry.ballot()), entry, "entry content");
      // A batch commits whole: an entry's ballot was promised in the same or an earlier batch.
      assertTrue(entry.ballot() <= state.promised(), "entry without its promise: " + entry);
      recovered.put(entry.slot(), entry.ballot());
    }
    acceptedBallots.headMap(state.snapshotIndex(), true).clear();
    acceptedBallots.forEach(
        (slot, ballot) -> {
          Long found = recovered.get(slot);
          assertTrue(found != null, "acknowledged slot " + slot + " lost");
          assertTrue(found >= ballot, "slot " + slot + " went back to ballot " + found);
        });
  }
}
