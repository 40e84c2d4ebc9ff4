package io.lockd.storage;

import static io.lockd.storage.TestData.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store with its newest groups exposed to disk faults: without a fault it keeps the
 * whole store contract (its groups go through the log's frame and back); with one, recovery notices
 * through the log's checks and a superblock count, never uses a damaged record, keeps the promise,
 * and reports the slots it may have lost.
 */
class InMemoryDiskFaultsTest extends InMemoryAcceptorStoreTest {
  @Override
  protected AcceptorStore newStore() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore(snapshotDelay());
    store.exposeRecentGroups(3);
    return store;
  }

  private static InMemoryAcceptorStore threeGroups() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    store.exposeRecentGroups(3);
    for (long slot = 1; slot <= 3; slot++) {
      store.write(
          List.of(
              new StoreWrite.Promised(Ballot.of(slot, 1)),
              new StoreWrite.Accepted(entry(slot, Ballot.of(slot, 1))),
              new StoreWrite.Chosen(slot)));
      store.sync();
    }
    return store;
  }

  @Test
  void aCorruptedGroupIsNotUsedAndWhatItMayHaveHeldIsReported() {
    InMemoryAcceptorStore store = threeGroups();
    store.damageAtNextCrash(true, 1); // the middle group
    store.crash();
    RecoveredState r = store.recover();
    assertEquals(List.of(1L), r.accepted().stream().map(Entry::slot).toList());
    assertEquals(1, r.chosenIndex());
    assertEquals(Ballot.of(3, 1), r.promised(), "the promise outlives the damage");
    assertEquals(3, r.lostThroughSlot());
    assertEquals(1, store.damagedRecoveries());
  }

  @Test
  void aLostTailIsNoticedAndTheLogGoesOnAfterWhatIsLeft() {
    InMemoryAcceptorStore store = threeGroups();
    store.damageAtNextCrash(false, 1); // the newest two groups
    store.crash();
    RecoveredState r = store.recover();
    assertEquals(1, r.chosenIndex());
    assertEquals(3, r.lostThroughSlot());
    // Learning the lost slots again clears the report.
    store.write(
        List.of(
            new StoreWrite.Accepted(entry(2, Ballot.of(3, 1))),
            new StoreWrite.Accepted(entry(3, Ballot.of(3, 1))),
            new StoreWrite.Chosen(3)));
    store.sync();
    store.crash();
    RecoveredState again = store.recover();
    assertEquals(3, again.chosenIndex());
    assertEquals(0, again.lostThroughSlot());
    assertEquals(1, store.damagedRecoveries());
  }

  @Test
  void aDamagedFrameFailsTheLogsOwnChecks() {
    byte[] frame = GroupFrame.encode(7, List.of(new StoreWrite.Chosen(9)));
    assertEquals(List.of(new StoreWrite.Chosen(9)), GroupFrame.decode(7, frame));
    assertThrows(StorageCorruptionException.class, () -> GroupFrame.decode(8, frame));
    for (int at = 0; at < frame.length; at++) {
      byte[] rotten = frame.clone();
      rotten[at] ^= 0x10;
      int i = at;
      assertThrows(
          StorageCorruptionException.class,
          () -> GroupFrame.decode(7, rotten),
          () -> "a flipped bit at byte " + i + " went unnoticed");
    }
  }
}
