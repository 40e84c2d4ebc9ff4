package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.FreePorts;
import io.lockd.transport.PeerStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of one cell started with different leases: a leader counting on a 500 ms lease while
 * its acceptors grant 300 ms could overlap with the next leader, so each refuses the other's
 * streams, and each side's link names the setting with both values.
 */
class CellSettingsMismatchTest {
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  @TempDir Path dir;

  @Test
  void replicasWithAnotherLeaseRefuseEachOtherNamingIt() throws Exception {
    List<Integer> ports = FreePorts.distinct(6);
    List<LockdServer> servers = new ArrayList<>();
    try {
      servers.add(LockdServer.start(config(1, ports, b -> b)));
      servers.add(LockdServer.start(config(2, ports, b -> b.leaseMillis(500))));
      String from2 = awaitRefusal(servers.get(1), 1);
      String from1 = awaitRefusal(servers.get(0), 2);
      assertTrue(from2.startsWith("FAILED_PRECONDITION"), from2);
      assertTrue(from2.contains("lease-ms: 300 at replica 1, 500 at replica 2"), from2);
      assertTrue(from1.contains("lease-ms: 500 at replica 2, 300 at replica 1"), from1);
      assertFalse(from1.contains("max-"), "only the differing setting is named: " + from1);
    } finally {
      servers.forEach(LockdServer::close);
    }
  }

  private LockdConfig config(
      int id, List<Integer> ports, UnaryOperator<LockdConfigBuilder> change) {
    LockdConfigBuilder b =
        LockdConfig.builder().cell("mismatch").selfId(id).dataDir(dir.resolve("r" + id));
    for (int m = 1; m <= 3; m++) {
      b.member(m, "127.0.0.1:" + ports.get(2 * m - 2), "127.0.0.1:" + ports.get(2 * m - 1));
    }
    return change.apply(b).build();
  }

  /** Waits (bounded) until {@code server}'s link to {@code peer} was refused; returns why. */
  private static String awaitRefusal(LockdServer server, int peer) {
    long deadline = System.nanoTime() + WAIT_NANOS;
    for (int polls = 0; polls < 100_000; polls++) {
      PeerStats link = server.runtime().transport().stats().get(peer);
      assertFalse(link.connected(), "a replica with another lease must not connect");
      if (link.lastFailure().contains("lease-ms")) {
        return link.lastFailure();
      }
      if (System.nanoTime() - deadline > 0) {
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    throw new AssertionError(
        "replica " + server.selfId() + " was not told why peer " + peer + " refused it");
  }
}
