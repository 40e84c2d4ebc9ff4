package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.InJvmCell;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client started with the cell's old endpoints learns its members from the cell ({@code
 * Cluster.Status} lists them, for any caller): it reaches a replica added after it started, and
 * stops trying a removed one, without a restart (docs/client.md, "Endpoints").
 */
class EndpointRefreshTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aClientFollowsTheMembersAddedAndRemovedAfterItStarted() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().size(3).start();
        LockClient client = Clients.client(cell, b -> b.endpointRefresh(Duration.ofMillis(200)));
        LockClient admin = Clients.client(cell, b -> b.endpointRefresh(Duration.ZERO))) {
      List<String> old = List.copyOf(cell.endpoints());
      assertEquals(old, client.endpoints());
      client.createFile("/before", "x".getBytes(StandardCharsets.UTF_8));

      cell.prepareJoin(4);
      retry(() -> admin.admin().addMember(4, cell.peerAddress(4), cell.endpoint(4)));
      cell.start(4);
      retry(() -> admin.admin().promoteMember(4));
      Eventually.await(
          "the client lists the added replica 4",
          () -> client.endpoints().contains(cell.endpoint(4)),
          WAIT);

      int gone = cell.awaitLeader().selfId() == 1 ? 2 : 1;
      retry(() -> admin.admin().removeMember(gone));
      Eventually.await(
          "the client no longer lists the removed replica " + gone,
          () -> !client.endpoints().contains(cell.endpoint(gone)),
          WAIT);
      cell.stop(gone);
      assertTrue(client.endpoints().contains(cell.endpoint(4)));
      assertFalse(client.endpoints().contains(cell.endpoint(gone)));
      client.createFile("/after", "y".getBytes(StandardCharsets.UTF_8));
      assertEquals(
          "x", new String(client.getContents("/before").contents(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void zeroTurnsTheRefreshOff() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().size(3).start();
        LockClient client = Clients.client(cell, b -> b.endpointRefresh(Duration.ZERO))) {
      client.createFile("/x", new byte[0]);
      assertEquals(cell.endpoints(), client.endpoints());
    }
  }

  /** A change, retried (bounded) while the previous one is pending or the learner catches up. */
  private static void retry(Runnable change) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        change.run();
        return;
      } catch (LockdException e) {
        boolean passing =
            String.valueOf(e.getMessage()).contains("in progress")
                || String.valueOf(e.getMessage()).contains("not caught up");
        if (!passing || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
