package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AcceptorStore} must do, run against each implementation by a subclass. A
 * "restart" stops the store without a sync and starts it again: the implementation's nearest thing
 * to a crash (the in-memory store's {@code crash()}; close and reopen for the log store, whose real
 * kill -9 behaviour {@link LogStoreCrashTest} covers).
 *
 * <p>A snapshot becomes durable some time after its sync ({@link AcceptorStore}); tests that need
 * it to survive a restart first call {@link #makeSnapshotsDurable}, and one test restarts without
 * doing so and accepts either outcome, as long as it is whole.
 */
abstract class AcceptorStoreContract {
  private AcceptorStore store;

  /** A new, empty store. */
  protected abstract AcceptorStore newStore();

  /** Stops {@code old} without syncing and returns the store that starts from what it kept. */
  protected abstract AcceptorStore restart(AcceptorStore old);

  /** How many times the store made its writes durable (groups, or simulated fsyncs). */
  protected abstract long durableSyncs(AcceptorStore store);

  /** Returns once every snapshot synced so far is durable. */
  protected abstract void makeSnapshotsDurable(AcceptorStore store);

  @BeforeEach
  void open() {
    store = newStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private RecoveredState restartAndRecover() {
    store = restart(store);
    return store.recover();
  }

  private RecoveredState restartWithSnapshotsAndRecover() {
    makeSnapshotsDurable(store);
    return restartAndRecover();
  }

  private void writeAndSync(StoreWrite... writes) {
    store.write(List.of(writes));
    store.sync();
  }

  private static StoreWrite accepted(long slot, long ballot) {
    return new StoreWrite.Accepted(TestData.entry(slot, ballot));
  }

  @Test
  void aNewStoreRecoversNothing() {
    RecoveredState state = store.recover();
    assertEquals(Ballot.ZERO, state.promised());
    assertEquals(List.of(), state.accepted());
    assertEquals(0, state.chosenIndex());
    assertEquals(0, state.snapshotIndex());
    assertArrayEquals(new byte[0], state.snapshot().toArray());
  }

  @Test
  void promiseEntriesChosenAndSnapshotSurviveARestart() {
    long ballot = Ballot.of(3, 2);
    byte[] snapshot = TestData.bytes(1, 5000);
    writeAndSync(
        new StoreWrite.Promised(ballot),
        new StoreWrite.Snapshot(2, snapshot),
        accepted(3, ballot),
        new StoreWrite.Accepted(TestData.entry(4, ballot, 0, 10, 100_000)),
        accepted(5, ballot),
        new StoreWrite.Chosen(4));

    RecoveredState state = restartWithSnapshotsAndRecover();

    assertEquals(ballot, state.promised());
    assertEquals(
        List.of(
            TestData.entry(3, ballot),
            TestData.entry(4, ballot, 0, 10, 100_000),
            TestData.entry(5, ballot)),
        state.accepted());
    assertEquals(4, state.chosenIndex());
    assertEquals(2, state.snapshotIndex());
    assertArrayEquals(snapshot, state.snapshot().toArray());
  }

  @Test
  void aSnapshotDropsEntriesAtOrBelowItsIndexAndRaisesChosen() {
    for (long slot = 1; slot <= 10; slot++) {
      store.write(List.of(accepted(slot, 7)));
    }
    store.write(List.of(new StoreWrite.Chosen(3), new StoreWrite.Snapshot(6, new byte[] {6})));
    store.sync();

    RecoveredState state = restartWithSnapshotsAndRecover();

    assertEquals(List.of(7L, 8L, 9L, 10L), slots(state.accepted()));
    assertEquals(6, state.snapshotIndex());
    assertEquals(6, state.chosenIndex());
    assertArrayEquals(new byte[] {6}, state.snapshot().toArray());
  }

  @Test
  void anEntryAtOrBelowTheSnapshotIsNotStored() {
    writeAndSync(new StoreWrite.Snapshot(5, new byte[] {5}));
    writeAndSync(accepted(4, 1), accepted(5, 1), accepted(6, 1));

    assertEquals(List.of(6L), slots(restartWithSnapshotsAndRecover().accepted()));
  }

  @Test
  void unsyncedWritesAreLostOnRestart() {
    writeAndSync(new StoreWrite.Promised(5), accepted(1, 5), new StoreWrite.Chosen(1));
    store.write(
        List.of(
            new StoreWrite.Promised(9),
            accepted(2, 9),
            new StoreWrite.Chosen(2),
            new StoreWrite.Snapshot(1, new byte[] {1})));

    RecoveredState state = restartAndRecover();

    assertEquals(5, state.promised());
    assertEquals(List.of(TestData.entry(1, 5)), state.accepted());
    assertEquals(1, state.chosenIndex());
    assertEquals(0, state.snapshotIndex());
    assertArrayEquals(new byte[0], state.snapshot().toArray());
  }

  @Test
  void aDecreasingPromiseIsRefusedAndChangesNothing() {
    writeAndSync(new StoreWrite.Promised(5));

    assertThrows(
        IllegalStateException.class, () -> store.write(List.of(new StoreWrite.Promised(4))));
    // Refused as a whole, although the first write alone would be fine.
    assertThrows(
        IllegalStateException.class,
        () ->
            store.write(
                List.of(accepted(1, 7), new StoreWrite.Promised(7), new StoreWrite.Promised(6))));
    writeAndSync(new StoreWrite.Promised(5), accepted(2, 5));

    RecoveredState state = restartAndRecover();
    assertEquals(5, state.promised());
    assertEquals(List.of(2L), slots(state.accepted()));
  }

  /**
   * A replica that diverged and was rebuilt from a peer's snapshot holds, after a restart, what it
   * held in memory after the rebuild: none of the slots it had taken as chosen, the snapshot's
   * chosen index, and its votes above them.
   */
  @Test
  void aRebuildDropsTheSlotsTakenAsChosenAndLowersTheChosenIndexDurably() {
    writeAndSync(
        new StoreWrite.Promised(5),
        accepted(1, 5),
        accepted(2, 5),
        accepted(3, 5),
        new StoreWrite.Chosen(3),
        new StoreWrite.Snapshot(2, new byte[] {2}));
    makeSnapshotsDurable(store);
    writeAndSync(
        accepted(4, 5), accepted(5, 5), accepted(6, 5), accepted(7, 5), new StoreWrite.Chosen(5));
    writeAndSync(new StoreWrite.Rebuilt(3, 5, new byte[] {3}));

    // No makeSnapshotsDurable: a rebuild is durable with its sync.
    RecoveredState state = restartAndRecover();
    assertEquals(5, state.promised());
    assertEquals(3, state.chosenIndex());
    assertEquals(3, state.snapshotIndex());
    assertArrayEquals(new byte[] {3}, state.snapshot().toArray());
    assertEquals(List.of(6L, 7L), slots(state.accepted()));
  }

  @Test
  void aRebuildMayGoBelowTheStoredSnapshotAndTheLogGoesOnAfterIt() {
    writeAndSync(
        accepted(5, 1),
        accepted(6, 1),
        new StoreWrite.Chosen(6),
        new StoreWrite.Snapshot(4, new byte[] {4}));
    makeSnapshotsDurable(store);
    writeAndSync(new StoreWrite.Rebuilt(2, 6, new byte[] {2}));
    writeAndSync(accepted(3, 2), accepted(4, 2), new StoreWrite.Chosen(3), accepted(5, 2));

    RecoveredState state = restartAndRecover();
    assertEquals(3, state.chosenIndex());
    assertEquals(2, state.snapshotIndex());
    assertArrayEquals(new byte[] {2}, state.snapshot().toArray());
    assertEquals(
        List.of(TestData.entry(3, 2), TestData.entry(4, 2), TestData.entry(5, 2)),
        state.accepted());
  }

  @Test
  void anUnsyncedRebuildIsLostWhole() {
    writeAndSync(accepted(1, 1), accepted(2, 1), new StoreWrite.Chosen(2));
    store.write(List.of(new StoreWrite.Rebuilt(1, 2, new byte[] {1})));

    RecoveredState state = restartAndRecover();
    assertEquals(2, state.chosenIndex());
    assertEquals(0, state.snapshotIndex());
    assertEquals(List.of(1L, 2L), slots(state.accepted()));
  }

  @Test
  void theChosenIndexNeverDecreases() {
    writeAndSync(new StoreWrite.Chosen(8), new StoreWrite.Chosen(3));

    assertEquals(8, restartAndRecover().chosenIndex());
  }

  @Test
  void anOlderSnapshotIsIgnored() {
    writeAndSync(accepted(9, 1), new StoreWrite.Snapshot(7, new byte[] {7}));
    writeAndSync(new StoreWrite.Snapshot(4, new byte[] {4}));

    RecoveredState state = restartWithSnapshotsAndRecover();
    assertEquals(7, state.snapshotIndex());
    assertArrayEquals(new byte[] {7}, state.snapshot().toArray());
    assertEquals(List.of(9L), slots(state.accepted()));
  }

  @Test
  void aLargeSnapshotSurvivesAndASmallerOneReplacesIt() {
    byte[] large = TestData.bytes(42, 24 * 1024 * 1024 + 12_345);
    writeAndSync(new StoreWrite.Snapshot(10, large));
    assertArrayEquals(large, restartWithSnapshotsAndRecover().snapshot().toArray());

    byte[] small = TestData.bytes(43, 100_001);
    writeAndSync(new StoreWrite.Snapshot(20, small));
    RecoveredState state = restartWithSnapshotsAndRecover();
    assertEquals(20, state.snapshotIndex());
    assertArrayEquals(small, state.snapshot().toArray());
  }

  @Test
  void entriesComeBackInSlotOrderWithTheirLatestBallot() {
    SplittableRandom random = new SplittableRandom(11);
    TreeMap<Long, Entry> expected = new TreeMap<>();
    for (int i = 0; i < 300; i++) {
      long slot = 1 + random.nextInt(120);
      long ballot = i;
      Entry entry = TestData.entry(slot, ballot);
      store.write(List.of(new StoreWrite.Accepted(entry)));
      expected.put(slot, entry);
    }
    store.sync();

    assertEquals(new ArrayList<>(expected.values()), restartAndRecover().accepted());
  }

  @Test
  void manyWritesAreMadeDurableByOneSync() {
    long before = durableSyncs(store);
    for (long slot = 1; slot <= 2000; slot++) {
      store.write(List.of(new StoreWrite.Promised(slot), accepted(slot, slot)));
    }
    store.sync();
    assertEquals(before + 1, durableSyncs(store));

    RecoveredState state = restartAndRecover();
    assertEquals(2000, state.promised());
    assertEquals(2000, state.accepted().size());
    assertEquals(TestData.entry(2000, 2000), state.accepted().get(1999));
  }

  @Test
  void writesAfterARestartAddToWhatWasRecovered() {
    writeAndSync(new StoreWrite.Promised(1), accepted(1, 1));
    restartAndRecover();
    writeAndSync(new StoreWrite.Promised(2), accepted(2, 2), new StoreWrite.Chosen(1));

    RecoveredState state = restartAndRecover();
    assertEquals(2, state.promised());
    assertEquals(List.of(TestData.entry(1, 1), TestData.entry(2, 2)), state.accepted());
    assertEquals(1, state.chosenIndex());
  }

  @Test
  void aSnapshotRestartedBeforeItIsDurableIsKeptWholeOrLostWhole() {
    for (long slot = 1; slot <= 10; slot++) {
      store.write(List.of(accepted(slot, 7)));
    }
    writeAndSync(new StoreWrite.Chosen(8));
    writeAndSync(new StoreWrite.Snapshot(6, new byte[] {6}));
    // Written after the snapshot, at or below its index: the snapshot makes the store skip it,
    // but if the snapshot is lost, the log still holds it.
    writeAndSync(accepted(3, 9), accepted(11, 9));

    RecoveredState state = restartAndRecover();

    assertEquals(8, state.chosenIndex());
    if (state.snapshotIndex() == 6) {
      assertArrayEquals(new byte[] {6}, state.snapshot().toArray());
      assertEquals(List.of(7L, 8L, 9L, 10L, 11L), slots(state.accepted()));
    } else {
      assertEquals(0, state.snapshotIndex(), "either the new snapshot or none");
      assertArrayEquals(new byte[0], state.snapshot().toArray());
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), slots(state.accepted()));
      assertEquals(TestData.entry(3, 9), state.accepted().get(2));
    }
  }

  @Test
  void aSnapshotMadeDurableSurvivesEveryLaterRestart() {
    writeAndSync(accepted(1, 1), accepted(2, 1), new StoreWrite.Snapshot(1, new byte[] {1}));
    makeSnapshotsDurable(store);
    writeAndSync(accepted(3, 1));
    restartAndRecover();
    writeAndSync(accepted(4, 1));

    RecoveredState state = restartAndRecover();
    assertEquals(1, state.snapshotIndex());
    assertEquals(List.of(2L, 3L, 4L), slots(state.accepted()));
  }

  private static List<Long> slots(List<Entry> entries) {
    return entries.stream().map(Entry::slot).toList();
  }
}
