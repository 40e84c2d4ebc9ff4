package io.lockd.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Large states are encoded after proportionally more slots, replicas still take their checksums at
 * common slots, and they do not all snapshot a large state at once.
 */
class CaptureSpacingTest {
  private static final long BASE = 10_000;

  @Test
  void aSmallStateKeepsTheConfiguredSpacing() {
    assertEquals(BASE, CaptureSpacing.checksumSlots(BASE, 0));
    assertEquals(BASE, CaptureSpacing.checksumSlots(BASE, 2_000_000));
    for (int id = 1; id <= 7; id++) {
      assertFalse(
          CaptureSpacing.snapshotDue(
              BASE, 2_000_000, id, BASE - 1, CaptureSpacing.LOG_BYTES_FLOOR - 1));
      assertTrue(CaptureSpacing.snapshotDue(BASE, 2_000_000, id, BASE, 0));
    }
  }

  @Test
  void aLargeStateIsEncodedAtLeastOneSlotPer256BytesApart() {
    long hundredMegabytes = 100L << 20;
    long spacing = CaptureSpacing.checksumSlots(BASE, hundredMegabytes);
    assertTrue(spacing >= hundredMegabytes / 256, "spacing " + spacing);
    assertTrue(spacing < 2 * hundredMegabytes / 256 + BASE, "spacing " + spacing);
  }

  @Test
  void replicasThatKnowDifferentSizesStillChecksumAtCommonSlots() {
    long a = CaptureSpacing.checksumSlots(BASE, 70L << 20);
    long b = CaptureSpacing.checksumSlots(BASE, 90L << 20);
    long larger = Math.max(a, b);
    assertEquals(0, larger % a);
    assertEquals(0, larger % b);
  }

  @Test
  void aLargeStateIsSnapshottedOnceTheLogGrewToHalfItsSize() {
    long state = 1L << 30; // a gigabyte of contents, written in 4 KiB commands
    long slotsForHalf = (state / 2) / 4096;
    assertFalse(CaptureSpacing.snapshotDue(BASE, state, 5, slotsForHalf, state / 2 - 1));
    assertTrue(
        CaptureSpacing.snapshotDue(BASE, state, 5, slotsForHalf, state / 2),
        "the log kept beside a large state must stay near half its size, not grow with slots");
  }

  @Test
  void aLogOfLargeCommandsIsSnapshottedBeforeTheSpacingInSlots() {
    // A namespace being filled with 4 KiB files: the state known from the last snapshot is small,
    // the log grows by megabytes per thousand slots.
    long logBytes = CaptureSpacing.LOG_BYTES_FLOOR;
    assertFalse(CaptureSpacing.snapshotDue(BASE, 0, 5, BASE / 2, logBytes - 1));
    assertTrue(
        CaptureSpacing.snapshotDue(BASE, 0, 5, BASE / 2, logBytes),
        "a log must not grow to hundreds of megabytes because its slots are few");
    assertTrue(CaptureSpacing.snapshotDue(BASE, 1 << 20, 1, BASE, 0), "small commands: slots");
  }

  @Test
  void replicasSnapshotAGrowingStateAtDifferentPoints() {
    java.util.Set<Long> thresholds = new java.util.TreeSet<>();
    for (int id = 1; id <= 5; id++) {
      long bytes = CaptureSpacing.LOG_BYTES_FLOOR;
      while (!CaptureSpacing.snapshotDue(BASE, 0, id, 1, bytes)) {
        bytes += 1 << 20;
      }
      thresholds.add(bytes);
    }
    assertEquals(5, thresholds.size(), "the log-size floor is staggered too: " + thresholds);
  }

  @Test
  void replicasSnapshotALargeStateAtDifferentPoints() {
    long state = 100L << 20;
    java.util.Set<Long> thresholds = new java.util.TreeSet<>();
    for (int id = 1; id <= 5; id++) {
      long bytes = state / 2;
      while (!CaptureSpacing.snapshotDue(BASE, state, id, Long.MAX_VALUE, bytes)) {
        bytes += state / 100;
      }
      thresholds.add(bytes);
    }
    assertEquals(5, thresholds.size(), thresholds.toString());
  }
}
