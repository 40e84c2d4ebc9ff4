package io.lockd.storage;

import static io.lockd.storage.LogFiles.assertSameState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.StoreWrite;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery rules of one segment, shown on a log of three groups: a torn last group (cut
 * anywhere) recovers the state before it; a single flipped bit anywhere in a middle or last group
 * is {@link StorageCorruptionException}, never a shorter log.
 */
class LogRecoveryRulesTest {
  private static final List<List<StoreWrite>> GROUPS =
      List.of(
          List.of(new StoreWrite.Promised(5), accepted(1, 5), accepted(2, 5)),
          List.of(accepted(3, 5), new StoreWrite.Chosen(2)),
          List.of(new StoreWrite.Promised(6), accepted(4, 6), new StoreWrite.Chosen(3)));

  @TempDir Path dir;
  private Path store;
  private Path segment;
  private byte[] original;

  private static StoreWrite accepted(long slot, long ballot) {
    return new StoreWrite.Accepted(TestData.entry(slot, ballot, 7, 0, 12));
  }

  @BeforeEach
  void writeThreeGroups() {
    store = dir.resolve("store");
    try (LogAcceptorStore log = open()) {
      for (List<StoreWrite> group : GROUPS) {
        log.write(group);
        log.sync();
      }
    }
    segment = LogFiles.segments(store).get(0);
    original = LogFiles.read(segment);
  }

  private LogAcceptorStore open() {
    return LogAcceptorStore.open(store, LogAcceptorStoreTest.SMALL);
  }

  /** The state after the first {@code groups} groups, from the in-memory store. */
  private static RecoveredState stateAfter(int groups) {
    InMemoryAcceptorStore reference = new InMemoryAcceptorStore();
    for (List<StoreWrite> group : GROUPS.subList(0, groups)) {
      reference.write(group);
      reference.sync();
    }
    return reference.recover();
  }

  @Test
  void aCleanLogEndsAtItsZeroFilledPreallocatedTailAndOpeningChangesNoByte() {
    assertEquals(LogAcceptorStoreTest.SMALL.segmentBytes(), original.length, "preallocated");
    LogFiles.Group last = LogFiles.lastGroup(store);
    for (int i = last.offset() + last.bytes(); i < original.length; i++) {
      assertEquals(0, original[i], "byte " + i + " after the last group");
    }
    try (LogAcceptorStore log = open()) {
      assertSameState(stateAfter(3), log.recover());
      assertEquals(3, log.lastSeq());
    }
    assertTrue(Arrays.equals(original, LogFiles.read(segment)), "opening rewrote the segment");
  }

  @Test
  void everyTruncationOfTheLastGroupRecoversTheStateBeforeIt() {
    LogFiles.Group last = LogFiles.lastGroup(store);
    RecoveredState before = stateAfter(2);
    for (int kept = 0; kept < last.bytes(); kept++) {
      LogFiles.write(segment, original);
      LogFiles.zero(segment, last.offset() + kept, last.offset() + last.bytes());
      int k = kept;
      try (LogAcceptorStore log = open()) {
        assertSameState(before, log.recover());
        assertEquals(2, log.lastSeq(), () -> "kept " + k + " bytes");
        if (kept % 16 == 5) {
          // The log goes on where the torn group was.
          log.write(GROUPS.get(2));
          log.sync();
        }
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(
            "last group cut after " + kept + " of " + last.bytes() + " bytes", e);
      }
      byte[] after = LogFiles.read(segment);
      if (kept % 16 == 5) {
        try (LogAcceptorStore log = open()) {
          assertSameState(stateAfter(3), log.recover());
        }
      } else {
        for (int i = last.offset(); i < after.length; i++) {
          assertEquals(0, after[i], "torn bytes left at " + i + " (kept " + kept + ")");
        }
      }
    }
  }

  @Test
  void everySingleBitFlipInAMiddleGroupIsCorruption() {
    assertEveryFlipIsCorruption(LogFiles.groups(segment).get(1));
  }

  @Test
  void everySingleBitFlipInTheLastGroupIsCorruption() {
    assertEveryFlipIsCorruption(LogFiles.lastGroup(store));
  }

  private void assertEveryFlipIsCorruption(LogFiles.Group group) {
    List<String> kept = new ArrayList<>();
    for (long bit = group.offset() * 8L; bit < (group.offset() + group.bytes()) * 8L; bit++) {
      LogFiles.write(segment, original);
      LogFiles.flipBit(segment, bit);
      try (LogAcceptorStore log = open()) {
        kept.add("bit " + bit + " recovered " + log.lastSeq() + " groups");
      } catch (StorageCorruptionException e) {
        assertTrue(e.getMessage().contains(segment.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("offset " + group.offset()), e.getMessage());
      }
    }
    assertTrue(
        kept.isEmpty(),
        () ->
            kept.size()
                + " flips not reported as corruption, first: "
                + kept.subList(0, Math.min(5, kept.size())));
  }

  @Test
  void aZeroedHeaderInTheMiddleIsCorruptionNotAShorterLog() {
    LogFiles.Group middle = LogFiles.groups(segment).get(1);
    LogFiles.zero(segment, middle.offset(), middle.offset() + GroupFormat.HEADER_BYTES);
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains("after the end of the log"), e.getMessage());
  }

  @Test
  void aTornGroupFollowedByAValidOneIsCorruption() {
    LogFiles.Group middle = LogFiles.groups(segment).get(1);
    int end = middle.offset() + middle.bytes();
    // Trailer missing and payload damaged: torn, were it the last group.
    LogFiles.zero(segment, end - GroupFormat.TRAILER_BYTES, end);
    LogFiles.flipBit(segment, (middle.offset() + GroupFormat.HEADER_BYTES) * 8L);
    assertThrows(StorageCorruptionException.class, this::open);
  }

  @Test
  void leftoversOfATornWriteAfterTheEndAreZeroedAndTheLogGoesOn() {
    LogFiles.Group last = LogFiles.lastGroup(store);
    // A write whose first sector never reached the disk, but a later one did.
    int leftover = last.offset() + last.bytes() + 3000;
    byte[] damaged = original.clone();
    Arrays.fill(damaged, leftover, leftover + 100, (byte) 0x5A);
    LogFiles.write(segment, damaged);
    try (LogAcceptorStore log = open()) {
      assertSameState(stateAfter(3), log.recover());
    }
    assertTrue(Arrays.equals(original, LogFiles.read(segment)), "leftovers not zeroed");
  }

  @Test
  void aRecordThatDoesNotParseUnderGoodChecksumsIsCorruption() {
    LogFiles.Group middle = LogFiles.groups(segment).get(1);
    ByteBuffer bytes = ByteBuffer.wrap(original.clone());
    int payloadAt = middle.offset() + GroupFormat.HEADER_BYTES;
    bytes.put(payloadAt, (byte) 9); // no such record type
    CRC32C crc = new CRC32C();
    int padded = (int) GroupFormat.align8(GroupFormat.payloadBytes(bytes, middle.offset()));
    bytes.putInt(middle.offset() + 20, GroupFormat.crc32c(bytes, payloadAt, padded, crc));
    bytes.putInt(middle.offset() + 4, GroupFormat.headerCrc(bytes, middle.offset(), crc));
    LogFiles.write(segment, bytes.array());

    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains("unknown record type 9"), e.getMessage());
  }

  @Test
  void headersNeverCrossASectorBoundary() {
    try (LogAcceptorStore log = open()) {
      for (long slot = 10; slot < 400; slot++) {
        log.write(List.of(new StoreWrite.Accepted(TestData.entry(slot, 6, (int) (slot % 37)))));
        log.sync();
      }
    }
    int skipped = 0;
    for (Path s : LogFiles.segments(store)) {
      long expectedEnd = 0;
      for (LogFiles.Group g : LogFiles.groups(s)) {
        int inSector = g.offset() % GroupFormat.SECTOR_BYTES;
        assertTrue(inSector + GroupFormat.HEADER_BYTES <= GroupFormat.SECTOR_BYTES, "" + g);
        skipped += g.offset() > expectedEnd ? 1 : 0;
        expectedEnd = g.offset() + g.bytes();
      }
    }
    assertTrue(skipped > 0, "no group ever had to skip to the next sector");
    try (LogAcceptorStore log = open()) {
      assertEquals(4 + 390, log.recover().accepted().size());
    }
  }
}
