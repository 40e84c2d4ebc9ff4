package io.lockd.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
      assertEquals(BASE, CaptureSpacing.snapshotSlots(BASE, 2_000_000, id));
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
  void replicasSnapshotALargeStateAtDifferentSlots() {
    long state = 100L << 20;
    java.util.Set<Long> spacings = new java.util.TreeSet<>();
    for (int id = 1; id <= 5; id++) {
      spacings.add(CaptureSpacing.snapshotSlots(BASE, state, id));
    }
    assertEquals(5, spacings.size(), spacings.toString());
    assertNotEquals(
        CaptureSpacing.snapshotSlots(BASE, state, 1), CaptureSpacing.snapshotSlots(BASE, state, 2));
  }
}
