package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lockctl member list|add|promote|remove} on a real cell: the table and JSON, a replica
 * added, caught up and promoted, one removed, and each refusal with its message and exit code
 * (docs/lockctl.md).
 */
class MemberCommandsTest {
  @TempDir Path dir;

  @Test
  void membersAreListedAddedPromotedAndRemovedAndRefusalsExitWithTheirCodes() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().size(3).dataRoot(dir).start()) {
      cell.awaitLeader();
      String endpoints = String.join(",", cell.endpoints());

      LockctlTest.Run list = LockctlTest.lockctlAt(endpoints, "member", "list");
      assertEquals(ExitCodes.OK, list.code(), list.err());
      assertTrue(list.out().contains("voter"), list.out());
      assertTrue(
          list.out().contains(cell.endpoint(2)), "addresses of the first members: " + list.out());

      LockctlTest.Run bad =
          LockctlTest.lockctlAt(endpoints, "member", "add", "4", "nohost", cell.endpoint(1) + "0");
      assertEquals(ExitCodes.USAGE, bad.code(), bad.out() + bad.err());
      assertTrue(bad.err().contains("not HOST:PORT"), bad.err());
      LockctlTest.Run taken =
          LockctlTest.lockctlAt(endpoints, "member", "add", "2", "127.0.0.1:1", "127.0.0.1:2");
      assertEquals(ExitCodes.REFUSED, taken.code(), taken.err());
      assertTrue(taken.err().contains("already a member"), taken.err());
      LockctlTest.Run unknown = LockctlTest.lockctlAt(endpoints, "member", "promote", "9");
      assertEquals(ExitCodes.NOT_FOUND, unknown.code(), unknown.err());
      LockctlTest.Run few = LockctlTest.lockctlAt(endpoints, "member", "remove", "2");
      assertEquals(ExitCodes.REFUSED, few.code(), few.err());
      assertTrue(few.err().contains("fewer than 3 voters"), few.err());

      cell.prepareJoin(4);
      LockctlTest.Run add =
          LockctlTest.lockctlAt(
              endpoints,
              "member",
              "add",
              "4",
              cell.peerAddress(4),
              cell.endpoint(4),
              "--wait",
              "60s",
              "-o",
              "json");
      assertEquals(ExitCodes.OK, add.code(), add.err());
      JsonArray members = add.json().getAsJsonObject().getAsJsonArray("members");
      JsonObject four = members.get(3).getAsJsonObject();
      assertEquals(4, four.get("id").getAsInt());
      assertEquals("learner", four.get("role").getAsString());

      LockctlTest.Run early = LockctlTest.lockctlAt(endpoints, "member", "promote", "4");
      assertEquals(ExitCodes.REFUSED, early.code(), early.err());
      assertTrue(
          early.err().contains("not caught up") || early.err().contains("in progress"),
          early.err());

      cell.start(4);
      LockctlTest.Run promote =
          LockctlTest.lockctlAt(endpoints, "member", "promote", "4", "--wait", "90s");
      assertEquals(ExitCodes.OK, promote.code(), promote.err());
      assertTrue(promote.out().contains("promoted replica 4"), promote.out());

      LockctlTest.Run remove =
          LockctlTest.lockctlAt(endpoints, "member", "remove", "3", "--wait", "60s");
      assertEquals(ExitCodes.OK, remove.code(), remove.err());
      LockctlTest.Run reuse =
          LockctlTest.lockctlAt(
              endpoints, "member", "add", "3", "127.0.0.1:1", "127.0.0.1:2", "--wait", "60s");
      assertEquals(ExitCodes.REFUSED, reuse.code(), reuse.err());
      assertTrue(reuse.err().contains("never reused"), reuse.err());

      LockctlTest.Run json = LockctlTest.lockctlAt(endpoints, "member", "list", "-o", "json");
      assertEquals(ExitCodes.OK, json.code(), json.err());
      JsonArray now = json.json().getAsJsonObject().getAsJsonArray("members");
      assertEquals(3, now.size(), json.out());
      assertEquals(4, now.get(2).getAsJsonObject().get("id").getAsInt());
      assertEquals("voter", now.get(2).getAsJsonObject().get("role").getAsString());
    }
  }
}
