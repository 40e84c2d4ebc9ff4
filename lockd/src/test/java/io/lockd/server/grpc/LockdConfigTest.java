package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.PaxosConfig;
import io.lockd.proto.ns.v1.LimitsRecord;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A replica configured from code: the builder starts from the same defaults every layer uses, its
 * one validation step refuses a bad relation naming the option and value, and the settings the cell
 * must share cover the lease, the drift bound and every namespace limit.
 */
class LockdConfigTest {
  private static LockdConfigBuilder three() {
    return LockdConfig.builder()
        .selfId(2)
        .dataDir(Path.of("data"))
        .member(1, "127.0.0.1:7111", "127.0.0.1:7101")
        .member(2, "127.0.0.1:7112", "127.0.0.1:7102")
        .member(3, "127.0.0.1:7113", "127.0.0.1:7103");
  }

  @Test
  void theDefaultsAreTheLayersDefaults() {
    LockdConfig c = three().build();
    assertEquals(PaxosConfig.defaults(2, List.of(1, 2, 3)), c.paxos());
    assertEquals(NamespaceLimits.defaults(), c.limits());
    assertEquals(ServerConfig.defaults(), c.server());
    assertEquals(ReplicaOptions.defaults(), c.runtime().options());
    assertEquals(LockdConfig.TICK_MILLIS, c.runtime().tickMillis());
    assertEquals(7102, c.clientListen().getPort());
    assertEquals(7112, c.runtime().peerListen().getPort());
    assertEquals(c.cellSettings(), c.runtime().cellSettings());
  }

  @Test
  void badRelationsAreRefusedNamingTheOptionAndValue() {
    assertRefused(b -> b.electionTimeoutMillis(50), "--election-timeout-ms must be within [51,");
    assertRefused(b -> b.heartbeatMillis(200), "at most half of --lease-ms (300), was 200");
    assertRefused(b -> b.tickMillis(60), "--tick-ms must be within [1, 50], was 60");
    assertRefused(
        b -> b.maxSessionLeaseMillis(5_000),
        "--session-lease-ms must be within [1000, 5000], was 12000");
    assertRefused(b -> b.lockDelayMillis(70_000), "--lock-delay-ms must be within [0, 60000]");
    assertRefused(
        b -> b.maxTotalContentBytes(1_000), "--max-total-content-bytes must be at least 262144");
    assertRefused(
        b -> b.maxKeepaliveStreams(2),
        "--max-keepalive-streams-per-session must be within [1, 2], was 4");
    assertRefused(
        b -> b.maxContentBytes(1 << 20).maxInboundMessageBytes(1 << 20),
        "--max-inbound-message-bytes must be at least 1050624");
    assertRefused(b -> b.maxBatchBytes(16 << 20), "--max-batch-bytes must be within [1, 4194304]");
    assertRefused(b -> b.unreachableAfterMillis(50), "--unreachable-after-ms must be within [51,");
    assertRefused(b -> b.clockDrift(0.5), "--clock-drift must be in [0, 0.5), was 0.5");
    assertRefused(b -> b.maxInflightSlots(0), "--max-inflight-slots must be at least 1, was 0");
    assertRefused(b -> b.selfId(4), "--id 4 is not one of the members [1, 2, 3]");
    assertRefused(b -> b.cell("two words"), "--cell: cell name must be 1-64 characters");
  }

  @Test
  void theInboundLimitFollowsTheContentLimitUnlessSet() {
    assertEquals(
        (256 << 10) + (64 << 10), three().build().maxInboundMessageBytes(), "default: +64 KiB");
    assertEquals(
        (1 << 20) + (64 << 10), three().maxContentBytes(1 << 20).build().maxInboundMessageBytes());
    assertEquals(
        9_000_000, three().maxInboundMessageBytes(9_000_000).build().maxInboundMessageBytes());
  }

  @Test
  void theSharedSettingsAreTheLeaseTheDriftAndEveryNamespaceLimit() {
    String base = three().build().cellSettings();
    assertTrue(base.startsWith("lease-ms=300,clock-drift=0.01,max-content-bytes=262144,"), base);
    // A namespace limit added later must be compared too (and the admin identities' digest).
    assertEquals(3 + LimitsRecord.getDescriptor().getFields().size(), base.split(",").length);
    assertNotEquals(base, three().leaseMillis(500).build().cellSettings());
    assertNotEquals(base, three().clockDrift(0.02).build().cellSettings());
    assertNotEquals(base, three().sequenceWindow(1_000).build().cellSettings());
    assertNotEquals(base, three().admin("CN=alice,O=ops").build().cellSettings());
    assertNotEquals(base, three().allowAnonymousAdmin(true).build().cellSettings());
    assertTrue(
        three().admin("CN=alice,O=ops").build().cellSettings().matches("[a-z0-9=.,+-]+"),
        "an identity's commas and spaces stay out of the key=value list");
    // Settings that may differ between members leave it alone.
    assertEquals(base, three().graceMillis(1_000).heartbeatMillis(100).build().cellSettings());
    assertEquals(base, three().maxInflightSlots(8).maxBatchCommands(16).build().cellSettings());
  }

  private static void assertRefused(UnaryOperator<LockdConfigBuilder> change, String says) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> change.apply(three()).build());
    assertTrue(e.getMessage().contains(says), () -> e.getMessage() + " should say: " + says);
  }
}
