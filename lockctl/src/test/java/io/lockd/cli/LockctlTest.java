package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.SessionSummary;
import io.lockd.testing.InJvmCell;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every lockctl command against a real three-replica cell: output, JSON, and exit codes. */
class LockctlTest {
  @TempDir static Path dir;
  static InJvmCell cell;
  static String endpoints;

  @BeforeAll
  static void start() throws Exception {
    cell = InJvmCell.builder().size(3).dataRoot(dir.resolve("cell")).graceMillis(5_000).start();
    endpoints = String.join(",", cell.endpoints());
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  /** The outcome of one lockctl run. */
  record Run(int code, String out, String err) {
    JsonElement json() {
      return JsonParser.parseString(out);
    }
  }

  static Run lockctl(String... args) {
    return lockctlAt(endpoints, args);
  }

  /** Runs lockctl against the cell at {@code endpoints} (comma-separated). */
  static Run lockctlAt(String endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--endpoints")
        && !all.contains("--help")
        && !all.get(0).equals("generate-completion")) {
      int at = all.indexOf("--");
      all.addAll(at < 0 ? all.size() : at, List.of("--endpoints", endpoints, "--timeout", "20s"));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Lockctl.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The sessions that watch something now: a later lockctl's watch is a session not among them. */
  static Set<Long> watchingSessions() {
    try (LockClient c = client()) {
      return c.admin().sessions().stream()
          .filter(s -> s.watches() > 0)
          .map(SessionSummary::sessionId)
          .collect(Collectors.toSet());
    }
  }

  /**
   * Waits until a lockctl session not in {@code before} watches something. A lockctl of an earlier
   * test may still be listed with its watch (its session closes after it returned), so any watching
   * lockctl session is not enough.
   */
  static void awaitLockctlWatching(Set<Long> before) throws InterruptedException {
    try (LockClient c = client()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (c.admin().sessions().stream()
          .noneMatch(
              s ->
                  s.clientName().startsWith("lockctl:")
                      && s.watches() > 0
                      && !before.contains(s.sessionId()))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("lockctl never started watching");
        }
        Thread.sleep(20);
      }
    }
  }

  static LockClient client() {
    return LockClient.builder()
        .endpoints(cell.endpoints())
        .clientName("test-client")
        .operationTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void aclSetGetAndARefusalWithItsExitCode() {
    Run put = lockctl("put", "/cli-acl", "v", "--create");
    assertEquals(0, put.code(), put.err());
    Run open = lockctl("acl", "get", "/cli-acl");
    assertEquals(0, open.code(), open.err());
    assertTrue(open.out().contains("anyone") && open.out().contains("rwla"), open.out());

    // lockctl runs anonymous here (plaintext): after this, anonymous callers may only read.
    Run set = lockctl("acl", "set", "/cli-acl", "alice:rwla", "group:ops:rwl", "anyone:r");
    assertEquals(0, set.code(), set.err());
    assertTrue(set.out().contains("acl generation 1"), set.out());
    JsonElement stat = lockctl("stat", "/cli-acl", "-o", "json").json();
    assertEquals(1, stat.getAsJsonObject().get("acl_generation").getAsLong());
    JsonElement acl = lockctl("acl", "get", "/cli-acl", "-o", "json").json();
    assertEquals(3, acl.getAsJsonObject().getAsJsonArray("entries").size(), acl.toString());

    Run write = lockctl("put", "/cli-acl", "w");
    assertEquals(8, write.code(), write.out() + write.err());
    assertTrue(
        write.err().contains("the anonymous caller lacks the write right on node \"/cli-acl\""),
        write.err());
    Run again = lockctl("acl", "set", "/cli-acl", "anyone:rwla");
    assertEquals(8, again.code(), again.err());
    assertTrue(again.err().contains("admin right"), again.err());
    Run bad = lockctl("acl", "set", "/cli-acl", "alice:rwx");
    assertEquals(2, bad.code(), bad.err());
    assertTrue(bad.err().contains("'x' is not a right"), bad.err());
  }

  @Test
  void statusAsTableAndJson() {
    Run table = lockctl("status");
    assertEquals(0, table.code(), table.err());
    assertTrue(table.out().startsWith("leader: replica "), table.out());
    assertTrue(table.out().contains("ROLE") && table.out().contains("leader"), table.out());
    Run json = lockctl("status", "-o", "json");
    assertEquals(0, json.code());
    JsonObject o = json.json().getAsJsonObject();
    assertTrue(o.get("leader_id").getAsInt() > 0);
    assertEquals(3, o.getAsJsonArray("replicas").size());
    assertEquals(
        o.get("leader_address").getAsString(),
        o.getAsJsonArray("replicas").asList().stream()
            .map(JsonElement::getAsJsonObject)
            .filter(r -> r.get("leader").getAsBoolean())
            .findFirst()
            .orElseThrow()
            .get("address")
            .getAsString());
  }

  @Test
  void nodeCommandsAndTheirErrors() {
    assertEquals(0, lockctl("mkdir", "-p", "/cli/a/b").code());
    assertEquals(5, lockctl("mkdir", "/cli/a").code(), "exists");
    assertEquals(0, lockctl("put", "/cli/a/f", "hello", "--create").code());
    Run get = lockctl("get", "/cli/a/f");
    assertEquals(0, get.code());
    assertEquals("hello", get.out());
    assertEquals(0, lockctl("put", "/cli/a/f", "again").code());
    Run stat = lockctl("stat", "/cli/a/f", "-o", "json");
    assertEquals(2, stat.json().getAsJsonObject().get("content_generation").getAsLong());
    assertEquals(
        5, lockctl("put", "/cli/a/f", "cas", "--if-generation", "1").code(), "generation mismatch");
    assertEquals(0, lockctl("put", "/cli/a/f", "cas", "--if-generation", "2").code());
    Run getJson = lockctl("get", "/cli/a/f", "-o", "json");
    assertEquals("cas", getJson.json().getAsJsonObject().get("contents").getAsString());
    Run ls = lockctl("ls", "/cli/a");
    assertEquals("b\nf\n", ls.out());
    Run lsLong = lockctl("ls", "-l", "/cli/a", "-o", "json");
    JsonArray rows = lsLong.json().getAsJsonArray();
    assertEquals("directory", rows.get(0).getAsJsonObject().get("kind").getAsString());
    assertEquals(5, lockctl("rm", "/cli/a").code(), "not empty");
    assertEquals(0, lockctl("rm", "/cli/a/f").code());
    Run missing = lockctl("get", "/cli/a/f");
    assertEquals(4, missing.code());
    assertTrue(missing.err().startsWith("lockctl: "), missing.err());
    assertEquals(2, lockctl("stat", "no-slash").code(), "bad path");
    assertEquals(2, lockctl("stat", "/a//b").code(), "bad path");
    assertEquals(2, lockctl("ls", "--bogus").code(), "unknown option");
  }

  @Test
  void unreachableCellExitsThree() {
    Run r = lockctl("status", "--endpoints", "127.0.0.1:1", "--timeout", "500ms");
    assertEquals(3, r.code());
    assertTrue(r.err().contains("no lockd replica answered"), r.err());
    assertEquals(3, lockctl("ls", "/", "--endpoints", "127.0.0.1:1", "--timeout", "500ms").code());
  }

  @Test
  void locksSessionsAndForceClose() throws Exception {
    try (LockClient c = client()) {
      c.mkdirs("/cli/locks");
      c.createUnlessExists("/cli/locks/l", io.lockd.client.CreateOptions.file());
      DistributedLock lock = c.lock("/cli/locks/l");
      assertTrue(lock.tryAcquire());
      long session = c.session().id();

      Run all = lockctl("locks");
      assertEquals(0, all.code());
      assertTrue(
          all.out().contains("/cli/locks/l") && all.out().contains(session + "(test-client)"),
          all.out());
      Run one = lockctl("locks", "/cli/locks/l", "-o", "json");
      JsonObject info = one.json().getAsJsonObject();
      assertEquals("exclusive", info.get("mode").getAsString());
      assertEquals(
          session,
          info.getAsJsonArray("holders").get(0).getAsJsonObject().get("session").getAsLong());
      assertEquals(lock.sequencer().lockGeneration(), info.get("generation").getAsLong());

      Run sessions = lockctl("sessions", "-o", "json");
      assertTrue(
          sessions.json().getAsJsonArray().asList().stream()
              .anyMatch(s -> s.getAsJsonObject().get("id").getAsLong() == session));
      assertEquals(0, lockctl("session", "close", Long.toString(session)).code());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (lock.isHeld() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(!lock.isHeld(), "the client saw its session end");
      assertEquals(4, lockctl("session", "close", Long.toString(session)).code(), "already gone");
    }
  }

  @Test
  void lockRunsTheCommandWithTheSequencer() throws Exception {
    Path file = dir.resolve("seq.txt");
    Run r =
        lockctl(
            "lock",
            "/cli/job",
            "--create",
            "--",
            "sh",
            "-c",
            "echo \"$LOCKD_SEQUENCER\" > '" + file + "'; exit 3");
    assertEquals(3, r.code(), r.err());
    String seq = Files.readString(file).trim();
    assertEquals("/cli/job", io.lockd.client.Sequencer.parse(seq).path());
    try (LockClient c = client()) {
      assertEquals(0, c.lockInfo("/cli/job").holders().size(), "released after the command");
      DistributedLock held = c.lock("/cli/job");
      assertTrue(held.tryAcquire());
      Run busy = lockctl("lock", "/cli/job", "--wait", "0", "--", "true");
      assertEquals(6, busy.code(), busy.err());
      held.release();
    }
    assertEquals(127, lockctl("lock", "/cli/job", "--", "/no/such/program").code());
  }

  @Test
  void electAndObserve() throws Exception {
    Run none = lockctl("elect", "cli-e", "--observe", "--for", "1s", "-o", "json");
    assertEquals(0, none.code(), none.err());
    Set<Long> before = watchingSessions();
    CompletableFuture<Run> observer =
        CompletableFuture.supplyAsync(
            () -> lockctl("elect", "cli-e", "--observe", "--count", "3", "--for", "60s"));
    awaitLockctlWatching(before);
    Path file = dir.resolve("elected.txt");
    Run leader =
        lockctl(
            "elect",
            "cli-e",
            "--",
            "sh",
            "-c",
            "echo \"$LOCKD_LOCK_PATH\" > '" + file + "'; sleep 1");
    assertEquals(0, leader.code(), leader.err());
    assertEquals("/election/cli-e", Files.readString(file).trim());
    Run seen = observer.get(60, TimeUnit.SECONDS);
    assertEquals(0, seen.code(), seen.err());
    assertTrue(
        seen.out().contains("leader: none") && seen.out().contains("leader: session "), seen.out());
    assertEquals(2, lockctl("elect", "x").code(), "needs --observe or a command");
  }

  @Test
  void watchPrintsEventsInOrder() throws Exception {
    try (LockClient c = client()) {
      c.mkdirs("/cli/w");
      Set<Long> before = watchingSessions();
      CompletableFuture<Run> watch =
          CompletableFuture.supplyAsync(
              () -> lockctl("watch", "/cli/w/f", "--count", "3", "-o", "json", "--for", "60s"));
      awaitLockctlWatching(before);
      c.createFile("/cli/w/f", new byte[0]);
      c.setContents("/cli/w/f", new byte[] {1});
      c.delete("/cli/w/f");
      Run r = watch.get(60, TimeUnit.SECONDS);
      assertEquals(0, r.code(), r.err());
      List<String> types =
          r.out()
              .lines()
              .map(l -> JsonParser.parseString(l).getAsJsonObject().get("type").getAsString())
              .toList();
      assertEquals(List.of("node_created", "contents_changed", "node_deleted"), types);
    }
  }

  @Test
  void benchPrintsFigures() {
    Run r = lockctl("bench", "--clients", "2", "--seconds", "1", "--warmup", "0", "-o", "json");
    assertEquals(0, r.code(), r.err());
    JsonArray rows = r.json().getAsJsonArray();
    assertEquals(2, rows.size());
    assertTrue(rows.get(0).getAsJsonObject().get("pairs").getAsLong() > 0);
    assertEquals("contended", rows.get(1).getAsJsonObject().get("workload").getAsString());

    Run reads =
        lockctl(
            "bench",
            "--workload",
            "reads",
            "--cache",
            "--write-interval",
            "100ms",
            "--clients",
            "2",
            "--seconds",
            "1",
            "--warmup",
            "0",
            "-o",
            "json");
    assertEquals(0, reads.code(), reads.err());
    var row = reads.json().getAsJsonArray().get(0).getAsJsonObject();
    assertEquals("reads-cached", row.get("workload").getAsString());
    assertTrue(row.get("reads").getAsLong() > 0, row.toString());
    assertTrue(row.get("writes").getAsLong() > 0, row.toString());
    assertEquals(0, row.get("errors").getAsLong(), row.toString());
  }

  @Test
  void helpAndCompletion() {
    for (String cmd :
        List.of(
            "status",
            "ls",
            "stat",
            "get",
            "put",
            "mkdir",
            "rm",
            "locks",
            "sessions",
            "lock",
            "elect",
            "watch",
            "bench")) {
      Run r = lockctl(cmd, "--help");
      assertEquals(0, r.code(), cmd);
      assertTrue(
          r.out().contains("Usage: lockctl " + cmd) && r.out().contains("--endpoints"), r.out());
    }
    Run completion = lockctl("generate-completion");
    assertEquals(0, completion.code());
    assertTrue(completion.out().contains("complete -F"), completion.out().substring(0, 200));
  }
}
