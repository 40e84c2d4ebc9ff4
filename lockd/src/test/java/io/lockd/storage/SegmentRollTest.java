package io.lockd.storage;

import static io.lockd.storage.LogFiles.assertSameState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Groups across segments: rolls, their names, seq continuity, and what breaks it. */
class SegmentRollTest extends LogStoreFixture {
  /** No checkpoint by size: it would delete the segments these tests look at. */
  @Override
  LogStoreOptions options() {
    return LogAcceptorStoreTest.SMALL.withCheckpointLogBytes(1L << 40);
  }

  /** Writes {@code count} groups of three 1 KiB accepts to the store and the reference. */
  private void writeGroups(LogAcceptorStore log, int count) {
    for (int g = 0; g < count; g++) {
      long first = log.lastSeq() * 3;
      List<StoreWrite> writes =
          List.of(
              new StoreWrite.Accepted(TestData.entry(first + 1, 1, 1000)),
              new StoreWrite.Accepted(TestData.entry(first + 2, 1, 1000)),
              new StoreWrite.Accepted(TestData.entry(first + 3, 1, 1000)));
      write(log, writes);
    }
  }

  @Test
  void groupsThatDoNotFitGoToANewSegmentNamedByTheirSeq() throws IOException {
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 100);
    }
    List<Path> segments = LogFiles.segments(store);
    assertTrue(segments.size() >= 4, "segments: " + segments);
    long next = 1;
    for (Path segment : segments) {
      boolean current = segment.equals(segments.get(segments.size() - 1));
      assertEquals(LogAcceptorStoreTest.SMALL.segmentBytes(), Files.size(segment), "preallocated");
      List<LogFiles.Group> groups = LogFiles.groups(segment);
      assertEquals(String.format("%016x.wal", next), segment.getFileName().toString());
      for (LogFiles.Group g : groups) {
        assertEquals(next++, g.seq(), "seqs run on across segments");
      }
      LogFiles.Group last = groups.get(groups.size() - 1);
      long room = LogAcceptorStoreTest.SMALL.segmentBytes() - (last.offset() + last.bytes());
      assertTrue(current || room < 3 * 1100 + 64, "a group that fit moved on: " + room + " left");
    }
    assertEquals(101, next);
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
      writeGroups(log, 30);
    }
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
      assertEquals(130, log.lastSeq());
    }
  }

  @Test
  void aGroupLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
    List<StoreWrite> huge =
        List.of(new StoreWrite.Accepted(TestData.entry(1, 1, 200_000)), new StoreWrite.Chosen(1));
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 2);
      write(log, huge);
      writeGroups(log, 2);
    }
    List<Path> segments = LogFiles.segments(store);
    assertEquals(3, segments.size(), "before, its own, after: " + segments);
    assertTrue(Files.size(segments.get(1)) >= 200_000, "sized to fit");
    assertEquals(1, LogFiles.groups(segments.get(1)).size());
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }

  @Test
  void aMissingSegmentIsAGapAndCorruption() throws IOException {
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 60);
    }
    Files.delete(LogFiles.segments(store).get(1));
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains("the one before it ends at group"), e.getMessage());
  }

  @Test
  void aSegmentWhoseNameOverlapsTheOneBeforeIsCorruption() throws IOException {
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 60);
    }
    Path second = LogFiles.segments(store).get(1);
    long firstSeq = Long.parseLong(second.getFileName().toString().substring(0, 16), 16);
    Files.move(second, second.resolveSibling(String.format("%016x.wal", firstSeq - 1)));
    assertThrows(StorageCorruptionException.class, this::open);
  }

  @Test
  void aTornGroupInASegmentThatIsNotTheLastIsCorruption() {
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 60);
    }
    Path first = LogFiles.segments(store).get(0);
    List<LogFiles.Group> groups = LogFiles.groups(first);
    LogFiles.Group last = groups.get(groups.size() - 1);
    LogFiles.zero(first, last.offset() + 100, last.offset() + last.bytes());
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains("not the last"), e.getMessage());
  }

  @Test
  void anEmptySegmentLeftByACrashInARollIsWhereTheLogGoesOn() throws IOException {
    try (LogAcceptorStore log = open()) {
      writeGroups(log, 5);
    }
    // The roll renamed a spare into place and synced the directory; the group never came.
    Path empty = store.resolve("wal").resolve(String.format("%016x.wal", 6));
    Files.write(empty, new byte[(int) LogAcceptorStoreTest.SMALL.segmentBytes()]);
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
      writeGroups(log, 1);
    }
    assertEquals(6, LogFiles.groups(empty).get(0).seq());
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
  }
}
