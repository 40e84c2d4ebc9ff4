package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Finding the leader: hints, rotation without hints, failover, and an unreachable cell. */
class LeaderFollowingTest extends FakeCellTest {
  @Test
  void followsTheLeaderHint() {
    cell.setLeader(3);
    try (LockClient client = Clients.client(cell)) {
      NodeStat st = client.createFile("/a", bytes("x"));
      assertEquals("/a", st.path());
      assertEquals("x", client.getContents("/a").contentsAsString());
    }
  }

  @Test
  void findsTheLeaderWithoutHints() {
    cell.setHintsEnabled(false);
    cell.setLeader(4);
    try (LockClient client = Clients.client(cell)) {
      client.createDirectory("/d");
      assertEquals(java.util.List.of(), client.children("/d"));
    }
  }

  @Test
  void failsOverWhenTheLeaderMoves() {
    cell.setLeader(0);
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/f", bytes("1"));
      cell.setLeader(2);
      cell.setDown(0, true);
      client.setContents("/f", bytes("2"));
      assertEquals("2", client.getContents("/f").contentsAsString());
      cell.setDown(0, false);
      cell.setLeader(1);
      client.setContents("/f", bytes("3"));
      assertEquals(3, client.stat("/f").contentGeneration());
    }
  }

  @Test
  void unreachableCellFailsWithinTheOperationTimeout() {
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, true);
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
