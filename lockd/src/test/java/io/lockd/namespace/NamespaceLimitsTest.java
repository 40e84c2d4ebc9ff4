package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamespaceLimitsTest {
  @Test
  void defaultsAreTheDesignedOnes() {
    NamespaceLimits d = NamespaceLimits.defaults();
    assertEquals(256 * 1024, d.contentBytesMax());
    assertEquals(60_000, d.lockDelayMaxMillis());
    assertTrue(d.lockDelayDefaultMillis() <= d.lockDelayMaxMillis());
    assertTrue(
        d.leaseMinMillis() <= d.leaseDefaultMillis()
            && d.leaseDefaultMillis() <= d.leaseMaxMillis());
  }

  @Test
  void builderRoundTripsThroughTheSnapshotRecord() {
    NamespaceLimits custom = NamespaceLimits.builder().nodesMax(7).waitersPerLockMax(3).build();
    assertEquals(custom, NamespaceLimits.fromRecord(custom.toRecord()));
    assertEquals(custom, custom.toBuilder().build());
    assertEquals(7, custom.nodesMax());
  }

  @Test
  void refusesBadLimitsNamingThem() {
    assertRefused(NamespaceLimits.builder().lockDelayMaxMillis(60_001), "lockDelayMaxMillis");
    assertRefused(
        NamespaceLimits.builder().lockDelayMaxMillis(1_000).lockDelayDefaultMillis(2_000),
        "lockDelayDefaultMillis");
    assertRefused(NamespaceLimits.builder().leaseMinMillis(100_000), "leaseMaxMillis");
    assertRefused(NamespaceLimits.builder().leaseDefaultMillis(500), "leaseDefaultMillis");
    assertRefused(NamespaceLimits.builder().contentBytesMax(0), "contentBytesMax");
    assertRefused(NamespaceLimits.builder().totalContentBytesMax(10), "totalContentBytesMax");
    assertRefused(NamespaceLimits.builder().pathBytesMax(1), "pathBytesMax");
    assertRefused(NamespaceLimits.builder().sessionsMax(-1), "sessionsMax");
    assertRefused(NamespaceLimits.builder().eventsPerSessionMax(0), "eventsPerSessionMax");
  }

  private static void assertRefused(NamespaceLimits.Builder builder, String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertTrue(e.getMessage().startsWith(name), e.getMessage());
  }
}
