package io.lockd.storage;

import static io.lockd.storage.LogFiles.assertSameState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checkpoints: what they cover, what they let go of, and crashes around them. */
class CheckpointTest extends LogStoreFixture {
  /** Checkpoints only when a test asks for one (or writes a snapshot), so each test knows when. */
  @Override
  LogStoreOptions options() {
    return LogAcceptorStoreTest.SMALL.withCheckpointLogBytes(1L << 40);
  }

  private void write(LogAcceptorStore log, StoreWrite... writes) {
    write(log, List.of(writes));
  }

  /** Writes 1 KiB accepts at {@code ballot}, ten a group, for slots from..to. */
  private void accept(LogAcceptorStore log, long from, long to, long ballot) {
    for (long slot = from; slot <= to; slot += 10) {
      List<StoreWrite> group = new ArrayList<>();
      for (long s = slot; s < slot + 10 && s <= to; s++) {
        group.add(new StoreWrite.Accepted(TestData.entry(s, ballot, 1000)));
      }
      write(log, group.toArray(StoreWrite[]::new));
    }
  }

  @Test
  void aRestartRecoversFromTheCheckpointAndTheLogAfterIt() {
    try (LogAcceptorStore log = open()) {
      write(log, new StoreWrite.Promised(3));
      accept(log, 1, 200, 3);
      write(
          log, new StoreWrite.Chosen(150), new StoreWrite.Snapshot(120, TestData.bytes(1, 90_000)));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertEquals(log.lastSeq(), log.durableCheckpointSeq());
      accept(log, 201, 260, 3);
    }
    assertEquals(1, LogFiles.checkpoints(store).size());
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }

  @Test
  void theSegmentsAndCheckpointsACheckpointCoversAreDeleted() throws IOException {
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 300, 1);
      assertTrue(LogFiles.segments(store).size() >= 4);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      accept(log, 301, 310, 1);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      // Only the segment being appended to is left, and only the newest checkpoint.
      assertEquals(1, LogFiles.segments(store).size());
      assertEquals(
          List.of(store.resolve(String.format("checkpoint-%016x.db", log.lastSeq()))),
          LogFiles.checkpoints(store));
    }
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }

  @Test
  void theLogBytesThresholdTriggersACheckpoint() {
    try (LogAcceptorStore log = LogAcceptorStore.open(store, LogAcceptorStoreTest.SMALL)) {
      accept(log, 1, 400, 1);
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertTrue(log.durableCheckpointSeq() > 0, "no checkpoint after 400 KiB of log");
    }
  }

  @Test
  void leftoverTemporariesAreIgnoredAndRemoved() throws IOException {
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 50, 1);
    }
    // A checkpoint cut short, and a spare segment half zeroed.
    Path checkpointTmp = store.resolve(String.format("checkpoint-%016x.tmp", 5));
    Path spareTmp = store.resolve("wal").resolve("spare-3.tmp");
    Files.write(checkpointTmp, TestData.bytes(1, 5000));
    Files.write(spareTmp, TestData.bytes(2, 5000));
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
    assertFalse(Files.exists(checkpointTmp));
    assertFalse(Files.exists(spareTmp));
  }

  @Test
  void aCrashBetweenTheRenameAndTheDeletionsSkipsTheGroupsTheCheckpointCovers() {
    Path saved = dir.resolve("saved");
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 200, 1);
      // Covered groups in the segment the log goes on in: replaying the first promise on top
      // of the checkpoint would make the promise go down.
      write(log, new StoreWrite.Promised(2), new StoreWrite.Accepted(TestData.entry(5, 2, 1000)));
      write(log, new StoreWrite.Promised(3));
      LogFiles.copyStore(store, saved);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      accept(log, 201, 220, 3);
    }
    // Put back the segments the checkpoint had deleted, as if the crash came before that.
    for (Path segment : LogFiles.segments(saved)) {
      Path target = store.resolve("wal").resolve(segment.getFileName());
      if (!Files.exists(target)) {
        LogFiles.write(target, LogFiles.read(segment));
      }
    }
    int restored = LogFiles.segments(store).size();
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
    assertTrue(LogFiles.segments(store).size() < restored, "covered segments deleted at open");
  }

  @Test
  void aLogThatStartsAfterTheCheckpointEndsIsCorruption() throws IOException {
    long covered;
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 60, 1);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      covered = log.durableCheckpointSeq();
      accept(log, 61, 300, 1);
    }
    // The segment holding the first group after the checkpoint is lost, with any before it.
    for (Path segment : LogFiles.segments(store)) {
      boolean holdsNext = LogFiles.groups(segment).stream().anyMatch(g -> g.seq() == covered + 1);
      Files.delete(segment);
      if (holdsNext) {
        break;
      }
    }
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains("covers only groups up to " + covered), e.getMessage());
  }

  @Test
  void aDamagedNewestCheckpointFallsBackToAnOlderOneWhileTheLogStillCoversIt() {
    // The crash came after the newest checkpoint's rename but before any deletion.
    StorageIo.Hook noDeletes =
        (op, file) -> {
          if (op == StorageIo.Op.DELETE && !file.toString().endsWith(".tmp")) {
            throw new IOException("injected: deletions fail");
          }
        };
    try (LogAcceptorStore log = LogAcceptorStore.open(store, options(), noDeletes)) {
      accept(log, 1, 100, 1);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      accept(log, 101, 200, 1);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      accept(log, 201, 210, 1);
    }
    List<Path> checkpoints = LogFiles.checkpoints(store);
    assertEquals(2, checkpoints.size());
    Path newest = checkpoints.get(1);
    LogFiles.write(newest, TestData.bytes(7, (int) newest.toFile().length()));
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }

  /**
   * A rebuild is in the log with its snapshot, so a crash while the checkpoint it triggers is being
   * written (here: every checkpoint write fails) recovers the rebuilt state from the log alone;
   * once the checkpoint is durable, from the checkpoint.
   */
  @Test
  void aRebuildSurvivesWithOrWithoutTheCheckpointItTriggers() {
    StorageIo.Hook noCheckpoints =
        (op, file) -> {
          String name = file.getFileName().toString();
          if (op == StorageIo.Op.WRITE && name.startsWith("checkpoint") && name.endsWith(".tmp")) {
            throw new IOException("injected: checkpoint writes fail");
          }
        };
    byte[] state = TestData.bytes(3, 90_000);
    try (LogAcceptorStore log = LogAcceptorStore.open(store, options(), noCheckpoints)) {
      write(log, new StoreWrite.Promised(4));
      accept(log, 1, 40, 4);
      write(log, new StoreWrite.Chosen(30));
      write(log, new StoreWrite.Rebuilt(20, 30, state));
      accept(log, 21, 25, 4);
      for (int i = 0; i < 6_000 && log.checkpointFailures() == 0; i++) {
        sleep(10);
      }
      assertTrue(log.checkpointFailures() > 0, "the checkpoint was not even tried in a minute");
    }
    assertEquals(List.of(), LogFiles.checkpoints(store));
    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertSameState(reference.recover(), found);
      assertEquals(20, found.chosenIndex());
      assertEquals(20, found.snapshotIndex());
      assertEquals(21, found.accepted().get(0).slot());
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertEquals(log.lastSeq(), log.durableCheckpointSeq());
    }
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }

  @Test
  void aDamagedCheckpointWithoutTheLogBeforeItIsCorruption() {
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 300, 1);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
    }
    Path checkpoint = LogFiles.checkpoints(store).get(0);
    LogFiles.write(checkpoint, TestData.bytes(7, (int) checkpoint.toFile().length()));
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertEquals(1, e.getSuppressed().length, "the damaged checkpoint is named");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
