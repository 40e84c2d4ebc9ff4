package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract, and the exact timing, for an in-memory store whose snapshots become durable {@link
 * #DELAY} syncs after the sync that covers them, as the log store's checkpoints do some time after
 * theirs.
 */
class InMemoryDelayedSnapshotStoreTest extends InMemoryAcceptorStoreTest {
  private static final int DELAY = 2;

  @Override
  protected int snapshotDelay() {
    return DELAY;
  }

  private static StoreWrite accepted(long slot) {
    return new StoreWrite.Accepted(TestData.entry(slot, 1));
  }

  private static InMemoryAcceptorStore storeWithSnapshotAt4Of6() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore(DELAY);
    store.write(List.of(new StoreWrite.Snapshot(2, new byte[] {2})));
    store.sync();
    store.sync();
    store.write(List.of(accepted(3), accepted(4), accepted(5), accepted(6)));
    store.write(List.of(new StoreWrite.Chosen(5), new StoreWrite.Snapshot(4, new byte[] {4})));
    store.sync();
    return store;
  }

  @Test
  void aSnapshotIsLostByACrashOneSyncBeforeItIsDurable() {
    InMemoryAcceptorStore store = storeWithSnapshotAt4Of6();
    store.write(List.of(accepted(7)));
    store.sync();
    assertEquals(2, store.groupsAwaitingSnapshotDurability());

    store.crash();
    RecoveredState state = store.recover();

    assertEquals(2, state.snapshotIndex());
    assertArrayEquals(new byte[] {2}, state.snapshot().toArray());
    assertEquals(List.of(3L, 4L, 5L, 6L, 7L), slots(state.accepted()));
    assertEquals(5, state.chosenIndex());
    // After the crash the store goes on from what it recovered.
    store.write(List.of(accepted(8)));
    store.sync();
    store.crash();
    assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L), slots(store.recover().accepted()));
  }

  @Test
  void aSnapshotIsDurableExactlyDelaySyncsAfterItsOwn() {
    InMemoryAcceptorStore store = storeWithSnapshotAt4Of6();
    store.sync();
    store.sync();
    assertEquals(0, store.groupsAwaitingSnapshotDurability());

    store.crash();
    RecoveredState state = store.recover();

    assertEquals(4, state.snapshotIndex());
    assertArrayEquals(new byte[] {4}, state.snapshot().toArray());
    assertEquals(List.of(5L, 6L), slots(state.accepted()));
  }

  @Test
  void aRestartAbandonsSnapshotsNotYetDurable() {
    InMemoryAcceptorStore store = storeWithSnapshotAt4Of6();
    store.recover();
    store.sync();
    store.sync();
    store.crash();
    assertEquals(2, store.recover().snapshotIndex());
  }

  @Test
  void aDecreasingPromiseIsStillRefusedWhileASnapshotIsPending() {
    InMemoryAcceptorStore store = storeWithSnapshotAt4Of6();
    store.write(List.of(new StoreWrite.Promised(9)));
    store.sync();
    store.crash();
    assertEquals(9, store.recover().promised());
    assertThrows(
        IllegalStateException.class, () -> store.write(List.of(new StoreWrite.Promised(8))));
  }

  private static List<Long> slots(List<Entry> entries) {
    return entries.stream().map(Entry::slot).toList();
  }
}
