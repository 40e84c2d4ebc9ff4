package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.lockd.testing.InJvmCell;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding the leader: hints, rotation without hints, failover, and an unreachable cell. */
class LeaderFollowingTest extends RealCellTest {
  @Override
  protected InJvmCell.Builder newCell() {
    return InJvmCell.builder().size(5);
  }

  /** The replicas' ids with the leader's last: a client that tries them in order meets it last. */
  private List<Integer> leaderLast() {
    int leader = leaderId();
    List<Integer> ids = new ArrayList<>();
    for (int id = 1; id <= cell.size(); id++) {
      if (id != leader) {
        ids.add(id);
      }
    }
    ids.add(leader);
    return ids;
  }

  private LockClient clientOf(List<Integer> order) {
    return Clients.client(cell, b -> b.endpoints(order.stream().map(cell::endpoint).toList()));
  }

  @Test
  void followsTheLeaderHint() {
    List<Integer> order = leaderLast();
    try (LockClient client = clientOf(order)) {
      NodeStat st = client.createFile("/a", bytes("x"));
      assertEquals("/a", st.path());
      assertEquals("x", client.getContents("/a").contentsAsString());
    }
    assertTrue(faults.requests(order.get(0)) > 0, "the first endpoint was asked");
    for (int id : order.subList(1, order.size() - 1)) {
      assertEquals(0, faults.requests(id), "replica " + id + " skipped: the hint led past it");
    }
  }

  @Test
  void findsTheLeaderWithoutHints() {
    faults.hideLeaderHints(true);
    List<Integer> order = leaderLast();
    try (LockClient client = clientOf(order)) {
      client.createDirectory("/d");
      assertEquals(List.of(), client.children("/d"));
    }
    for (int id : order.subList(0, order.size() - 1)) {
      assertTrue(faults.requests(id) > 0, "without hints replica " + id + " was tried");
    }
  }

  @Test
  void failsOverWhenTheLeaderMoves() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/f", bytes("1"));
      int first = leaderId();
      moveLeader();
      assertNotEquals(first, leaderId());
      client.setContents("/f", bytes("2"));
      assertEquals("2", client.getContents("/f").contentsAsString());
      moveLeader();
      client.setContents("/f", bytes("3"));
      assertEquals(3, client.stat("/f").contentGeneration());
    }
  }

  @Test
  void aReplicaThatLooksDownIsPassedOver() {
    List<Integer> order = leaderLast();
    faults.setDown(order.get(0), true); // a follower, the first endpoint the client tries
    try (LockClient client = clientOf(order)) {
      client.createFile("/g", bytes("1"));
      client.setContents("/g", bytes("2"));
      assertEquals(2, client.stat("/g").contentGeneration());
    }
  }

  @Test
  void unreachableCellFailsWithinTheOperationTimeout() {
    for (int id = 1; id <= cell.size(); id++) {
      faults.setDown(id, true);
    }
    try (LockClient client =
        Clients.client(cell, b -> b.operationTimeout(Duration.ofMillis(300)))) {
      LockdException e = assertThrows(LockdException.class, () -> client.stat("/"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("no lockd leader answered"), e.getMessage());
    }
  }

  @Test
  void refusalsCarryTheReason() {
    try (LockClient client = Clients.client(cell)) {
      LockdException e = assertThrows(LockdException.class, () -> client.stat("/missing"));
      assertEquals(Status.Code.NOT_FOUND, e.code());
      assertEquals(LockdException.Reason.NODE_NOT_FOUND, e.reason());
      LockdException bad = assertThrows(LockdException.class, () -> client.stat("relative"));
      assertEquals(LockdException.Reason.BAD_PATH, bad.reason());
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
