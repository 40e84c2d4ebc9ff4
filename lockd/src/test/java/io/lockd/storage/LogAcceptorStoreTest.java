package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract for the log store (small segments, so rolls happen), and what only it does. */
class LogAcceptorStoreTest extends AcceptorStoreContract {
  static final LogStoreOptions SMALL =
      LogStoreOptions.defaults().withSegmentBytes(64 * 1024).withCheckpointLogBytes(256 * 1024);
  private static final long WAIT_MILLIS = 60_000;

  @TempDir Path dir;

  @Override
  protected AcceptorStore newStore() {
    return LogAcceptorStore.open(dir.resolve("store"), SMALL);
  }

  /** Close without sync, then open: close writes nothing, so unsynced writes are gone. */
  @Override
  protected AcceptorStore restart(AcceptorStore old) {
    old.close();
    return LogAcceptorStore.open(dir.resolve("store"), SMALL);
  }

  @Override
  protected long durableSyncs(AcceptorStore store) {
    return ((LogAcceptorStore) store).groups();
  }

  @Override
  protected void makeSnapshotsDurable(AcceptorStore store) {
    awaitCheckpoints((LogAcceptorStore) store);
  }

  static void awaitCheckpoints(LogAcceptorStore store) {
    assertTrue(store.awaitCheckpoints(WAIT_MILLIS), "checkpoint still running after a minute");
  }

  @Test
  void aSecondOpenOfTheSameDirectoryFailsClearly() {
    try (LogAcceptorStore first = LogAcceptorStore.open(dir.resolve("locked"), SMALL)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> LogAcceptorStore.open(dir.resolve("locked"), SMALL));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
      first.recover();
    }
    // Released on close.
    LogAcceptorStore.open(dir.resolve("locked"), SMALL).close();
  }

  @Test
  void aDirectoryOfTheOldFormatIsRefusedWithAWayForward() throws IOException {
    Path old = Files.createDirectories(dir.resolve("old"));
    Files.write(old.resolve("acceptor.db"), new byte[] {1});

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> LogAcceptorStore.open(old, SMALL));
    assertTrue(e.getMessage().contains("older lockd"), e.getMessage());
    assertTrue(e.getMessage().contains("no migration"), e.getMessage());
  }

  @Test
  void aSyncWithNothingWrittenTouchesNoFile() throws IOException {
    Path path = dir.resolve("idle");
    try (LogAcceptorStore store = LogAcceptorStore.open(path, SMALL)) {
      store.sync();
      store.write(List.of());
      store.sync();
      assertEquals(0, store.groups());
      assertEquals(List.of(), files(path.resolve("wal")));
      store.write(List.of(new StoreWrite.Chosen(1)));
      store.sync();
      assertEquals(1, store.groups());
      assertEquals(1, store.lastSeq());
    }
  }

  @Test
  void eachSyncIsOneWriteAndOneFlushOfTheSegmentAndNothingElse() {
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    StorageIo.Hook record =
        (op, file) -> {
          if (!file.getFileName().toString().endsWith(".tmp")) {
            calls.add(op + " " + file.getFileName());
          }
        };
    try (LogAcceptorStore store = LogAcceptorStore.open(dir.resolve("calls"), SMALL, record)) {
      store.write(List.of(new StoreWrite.Accepted(TestData.entry(1, 1, 50))));
      store.sync();
      calls.clear(); // the first sync also rolled into the first segment
      for (long slot = 2; slot <= 40; slot++) {
        StoreWrite small = new StoreWrite.Accepted(TestData.entry(slot, slot, 50, 20));
        store.write(List.of(new StoreWrite.Promised(slot), small));
        store.write(List.of(new StoreWrite.Chosen(slot - 1)));
        store.sync();
        store.sync(); // nothing buffered: nothing to do
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 2; i <= 40; i++) {
      expected.add("WRITE 0000000000000001.wal");
      expected.add("FORCE 0000000000000001.wal");
    }
    assertEquals(expected, calls);
  }

  @Test
  void closeTwiceIsHarmlessAndAClosedStoreRefusesWork() {
    LogAcceptorStore store = LogAcceptorStore.open(dir.resolve("twice"), SMALL);
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, store::sync);
  }

  @Test
  void aSnapshotWhoseCheckpointFailsIsLostButNothingElse() {
    Path path = dir.resolve("failing");
    StorageIo.Hook failRenames =
        (op, file) -> {
          if (op == StorageIo.Op.RENAME && file.getFileName().toString().startsWith("checkpoint")) {
            throw new IOException("injected: checkpoint rename fails");
          }
        };
    LogStoreOptions slowRetry = SMALL.withCheckpointRetryMillis(3_600_000);
    try (LogAcceptorStore store = LogAcceptorStore.open(path, slowRetry, failRenames)) {
      store.write(List.of(accepted(1), accepted(2), accepted(3), new StoreWrite.Chosen(3)));
      store.sync();
      store.write(List.of(new StoreWrite.Snapshot(2, new byte[] {2})));
      store.sync();
      store.write(List.of(accepted(4)));
      store.sync();
      awaitFailure(store);
      assertEquals(0, store.durableCheckpointSeq());
      assertFalse(Files.exists(path.resolve(String.format("checkpoint-%016x.tmp", 2))));
    }
    try (LogAcceptorStore store = LogAcceptorStore.open(path, SMALL)) {
      RecoveredState state = store.recover();
      assertEquals(0, state.snapshotIndex());
      assertEquals(4, state.accepted().size());
      assertEquals(3, state.chosenIndex());
    }
  }

  @Test
  void aFailedCheckpointIsRetriedAndThenDeletesWhatItCovers() throws IOException {
    Path path = dir.resolve("retried");
    boolean[] failing = {true};
    StorageIo.Hook failFirst =
        (op, file) -> {
          if (failing[0]
              && op == StorageIo.Op.RENAME
              && file.toString().endsWith(".tmp")
              && file.getFileName().toString().startsWith("checkpoint")) {
            failing[0] = false;
            throw new IOException("injected: first checkpoint rename fails");
          }
        };
    try (LogAcceptorStore store =
        LogAcceptorStore.open(path, SMALL.withCheckpointRetryMillis(10), failFirst)) {
      writeSegments(store, 3);
      store.write(List.of(new StoreWrite.Snapshot(5, new byte[] {5})));
      store.sync();
      awaitCheckpoints(store);
      assertEquals(1, store.checkpointFailures());
      assertEquals(store.lastSeq(), store.durableCheckpointSeq());
      assertEquals(1, files(path.resolve("wal")).size(), "covered segments deleted");
    }
    try (LogAcceptorStore store = LogAcceptorStore.open(path, SMALL)) {
      assertArrayEquals(new byte[] {5}, store.recover().snapshot().toArray());
    }
  }

  /** Writes groups of 1 KiB entries until the log has rolled {@code rolls} times. */
  static void writeSegments(LogAcceptorStore store, int rolls) {
    long slot = store.lastSeq() * 10;
    long groupsPerSegment = SMALL.segmentBytes() / (10 * 1100);
    for (long g = 0; g < groupsPerSegment * rolls + 1; g++) {
      for (int i = 0; i < 10; i++) {
        store.write(List.of(new StoreWrite.Accepted(TestData.entry(++slot, 1, 1000))));
      }
      store.sync();
    }
  }

  private static void awaitFailure(LogAcceptorStore store) {
    for (int i = 0; i < 6000 && store.checkpointFailures() == 0; i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertEquals(1, store.checkpointFailures(), "the injected failure never happened");
  }

  private static StoreWrite accepted(long slot) {
    return new StoreWrite.Accepted(TestData.entry(slot, 1));
  }

  static List<Path> files(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.filter(f -> !f.getFileName().toString().endsWith(".tmp")).sorted().toList();
    }
  }
}
