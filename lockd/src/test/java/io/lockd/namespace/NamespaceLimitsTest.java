package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamespaceLimitsTest {
  @Test
  void defaultsAreTheDesignedOnes() {
    NamespaceLimits d = NamespaceLimits.defaults();
    assertEquals(256 * 1024, d.maxContentBytes());
    assertEquals(60_000, d.maxLockDelayMillis());
    assertTrue(d.lockDelayDefaultMillis() <= d.maxLockDelayMillis());
    assertTrue(
        d.minLeaseMillis() <= d.leaseDefaultMillis()
            && d.leaseDefaultMillis() <= d.maxLeaseMillis());
  }

  @Test
  void builderRoundTripsThroughTheSnapshotRecord() {
    NamespaceLimits custom = NamespaceLimits.builder().maxNodes(7).maxWaitersPerLock(3).build();
    assertEquals(custom, NamespaceLimits.fromRecord(custom.toRecord()));
    assertEquals(custom, custom.toBuilder().build());
    assertEquals(7, custom.maxNodes());
  }

  @Test
  void refusesBadLimitsNamingThem() {
    assertRefused(NamespaceLimits.builder().maxLockDelayMillis(60_001), "maxLockDelayMillis");
    assertRefused(
        NamespaceLimits.builder().maxLockDelayMillis(1_000).lockDelayDefaultMillis(2_000),
        "lockDelayDefaultMillis");
    assertRefused(NamespaceLimits.builder().minLeaseMillis(100_000), "maxLeaseMillis");
    assertRefused(NamespaceLimits.builder().leaseDefaultMillis(500), "leaseDefaultMillis");
    assertRefused(NamespaceLimits.builder().maxContentBytes(0), "maxContentBytes");
    assertRefused(NamespaceLimits.builder().maxTotalContentBytes(10), "maxTotalContentBytes");
    assertRefused(NamespaceLimits.builder().maxPathBytes(1), "maxPathBytes");
    assertRefused(NamespaceLimits.builder().maxSessions(-1), "maxSessions");
    assertRefused(NamespaceLimits.builder().maxEventsPerSession(0), "maxEventsPerSession");
  }

  private static void assertRefused(NamespaceLimits.Builder builder, String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertTrue(e.getMessage().startsWith(name), e.getMessage());
  }
}
