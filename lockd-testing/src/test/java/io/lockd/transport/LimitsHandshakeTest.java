package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Message;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Replicas started with a different lease, clock drift bound or namespace limits could hold
 * overlapping leases or apply the same command differently, so the handshake keeps them apart and
 * says which setting differs, with both values; equal settings connect as before.
 */
class LimitsHandshakeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final TransportLimits LIMITS =
      TransportLimits.defaults().withBackoffMillis(10, 200);
  private static final String DEFAULT = "lease-ms=300,clock-drift=0.01,max-path-bytes=1024";

  @Test
  void aPeerWithOtherLimitsIsRefusedNamingTheLimit() {
    String smaller = "lease-ms=300,clock-drift=0.01,max-path-bytes=64";
    try (Pair p = new Pair(DEFAULT, smaller)) {
      p.sendUntil(
          () -> p.beta.stats().get(1).lastFailure().contains("settings"),
          "beta told why alpha refused it");
      PeerStats link = p.beta.stats().get(1);
      assertFalse(link.connected(), "a refused stream must not count as connected");
      String failure = link.lastFailure();
      assertTrue(failure.startsWith("FAILED_PRECONDITION"), failure);
      assertTrue(failure.contains("max-path-bytes: 1024 at replica 1, 64 at replica 2"), failure);
      assertEquals(List.of(), p.alphaInbox.all());
    }
  }

  @Test
  void aPeerWithAnotherLeaseOrDriftIsRefusedNamingBothValues() {
    String other = "lease-ms=500,clock-drift=0.05,max-path-bytes=1024";
    try (Pair p = new Pair(DEFAULT, other)) {
      p.sendUntil(
          () -> p.beta.stats().get(1).lastFailure().contains("lease-ms"),
          "beta told why alpha refused it");
      String failure = p.beta.stats().get(1).lastFailure();
      assertTrue(failure.startsWith("FAILED_PRECONDITION"), failure);
      assertTrue(
          failure.contains(
              "(lease-ms: 300 at replica 1, 500 at replica 2; "
                  + "clock-drift: 0.01 at replica 1, 0.05 at replica 2)"),
          failure);
      assertEquals(List.of(), p.alphaInbox.all());
    }
  }

  @Test
  void peersWithEqualLimitsConnect() {
    try (Pair p = new Pair(DEFAULT, DEFAULT)) {
      p.sendUntil(() -> !p.alphaInbox.all().isEmpty(), "a heartbeat from beta reaches alpha");
      assertTrue(p.beta.stats().get(1).connected(), p.beta.stats().toString());
    }
  }

  @Test
  void theDifferenceIsNamedAndBounded() {
    assertEquals(
        "max-path-bytes: 1024 at replica 1, 64 at replica 2; depth: unknown at replica 1, 3 at"
            + " replica 2",
        SettingsDifference.describe("max-path-bytes=1024", 1, "max-path-bytes=64,depth=3", 2));
    String forged = "x".repeat(500) + "=1," + "y=2,".repeat(100);
    assertTrue(SettingsDifference.describe(DEFAULT, 1, forged, 2).length() < 1_500);
  }

  /** Replica 1 (alpha) and replica 2 (beta), beta dialling alpha, each with its limits. */
  private static final class Pair implements AutoCloseable {
    final Inbox alphaInbox = new Inbox();
    final GrpcPeerTransport alpha;
    final GrpcPeerTransport beta;

    Pair(String alphaLimits, String betaLimits) {
      alpha = transport(alphaLimits, 1, Map.of(2, "127.0.0.1:1"), alphaInbox);
      beta = transport(betaLimits, 2, Map.of(1, "127.0.0.1:" + alpha.port()), new Inbox());
    }

    /** Sends beta's heartbeats to alpha until {@code done} (retransmitting, as Paxos would). */
    void sendUntil(BooleanSupplier done, String what) {
      Poll.until(
          () -> {
            beta.send(new Message.Heartbeat(2, 1, Ballot.of(1, 2), 1, 0));
            return done.getAsBoolean();
          },
          WAIT,
          what);
    }

    @Override
    public void close() {
      beta.close();
      alpha.close();
    }
  }

  private static GrpcPeerTransport transport(
      String cellLimits, int id, Map<Integer, String> members, Inbox inbox) {
    GrpcPeerTransport t =
        new GrpcPeerTransport(
            "limits", cellLimits, id, members, new InetSocketAddress("127.0.0.1", 0), LIMITS);
    t.start(inbox);
    return t;
  }
}
