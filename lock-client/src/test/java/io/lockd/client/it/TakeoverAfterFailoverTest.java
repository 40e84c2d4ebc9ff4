package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.Session;
import io.lockd.client.SessionState;
import io.lockd.testing.LoadAverage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How soon another client gets a lock whose holder is gone, when the leader changes meanwhile,
 * against a real five-replica cell of separate JVMs with the daemon's default failover grace. A new
 * leader must keep a session it inherits for the session's lease (its holder may still count on
 * it), but not for a grace sized for a client's whole jeopardy: before, the default 45 s grace kept
 * a crashed holder's lock 45 s after every leader change, whatever its 3 s lease. And a client that
 * gave up on a session while no leader was reachable closes it on the cell as soon as one is back,
 * instead of leaving its locks held until the cell expires it.
 *
 * <p>{@code -Dtakeover.trials=N} repeats the first scenario and prints the median (the figure in
 * docs/benchmarks.md).
 */
class TakeoverAfterFailoverTest {
  static final long HOLDER_LEASE_MS = 3_000;
  static final long LOCK_DELAY_MS = 500;

  @TempDir static Path dir;
  static ProcessCell cell;

  @BeforeAll
  static void start() throws Exception {
    cell = new ProcessCell(5, dir.resolve("cell"), List.of()); // the daemon's default grace
    try (LockClient c = cell.clientBuilder().build()) {
      cell.awaitLeader(c, Duration.ofSeconds(90));
      c.mkdirs("/takeover");
    }
  }

  @AfterAll
  static void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void aCrashedHoldersLockIsTakenOverSoonAfterTheLeaderIsKilledToo() throws Exception {
    int trials = Integer.getInteger("takeover.trials", 1);
    List<Double> seconds = new ArrayList<>();
    for (int trial = 0; trial < trials; trial++) {
      double took = takeoverAfterLeaderChange("/takeover/crashed-" + trial);
      seconds.add(took);
      System.out.printf(
          Locale.ROOT,
          "trial %d: takeover after leader change: %.1f s (load average %s)%n",
          trial + 1,
          took,
          LoadAverage.now());
    }
    Collections.sort(seconds);
    double median = seconds.get(seconds.size() / 2);
    System.out.printf(
        Locale.ROOT,
        "takeover after leader change: %.1f s (median of %d; load average %s)%n",
        median,
        trials,
        LoadAverage.now());
    // The holder's 3 s lease, the 5 s failover grace, an election and the 0.5 s lock-delay: well
    // under 30 s even on a loaded machine; the 45 s grace it replaces never got there.
    assertTrue(seconds.get(seconds.size() - 1) < 30, "takeover took " + seconds + " s");
  }

  /** Seconds from the crash of holder and leader until another client holds the lock. */
  private static double takeoverAfterLeaderChange(String path) throws Exception {
    try (LockClient taker = cell.clientBuilder().clientName("taker").build()) {
      taker.createUnlessExists(
          path, CreateOptions.file().lockDelay(Duration.ofMillis(LOCK_DELAY_MS)));
      Process holder = startHolder(path);
      try {
        awaitHeld(holder, path);
        int leader = cell.awaitLeader(taker, Duration.ofSeconds(60));
        ProcessCell.kill(holder);
        cell.kill(leader);
        long crashedAt = System.nanoTime();
        DistributedLock lock = taker.lock(path);
        assertTrue(lock.acquire(Duration.ofSeconds(120)), "the lock was never taken over");
        double took = (System.nanoTime() - crashedAt) / 1e9;
        lock.release();
        cell.start(leader);
        return took;
      } finally {
        ProcessCell.kill(holder);
      }
    }
  }

  @Test
  void aSessionClosedWhileNoLeaderIsReachableIsClosedOnTheCellOnceOneIsBack() throws Exception {
    String path = "/takeover/abandoned";
    try (LockClient taker = cell.clientBuilder().clientName("taker").build();
        LockClient holder =
            cell.clientBuilder()
                .clientName("holder")
                .sessionLease(Duration.ofSeconds(20))
                .operationTimeout(Duration.ofSeconds(3))
                .build()) {
      taker.createUnlessExists(
          path, CreateOptions.file().lockDelay(Duration.ofMillis(LOCK_DELAY_MS)));
      assertTrue(holder.lock(path).acquire(Duration.ofSeconds(30)));
      Session session = holder.session();
      int leader = cell.awaitLeader(taker, Duration.ofSeconds(60));
      List<Integer> down = new ArrayList<>(List.of(leader));
      for (int id = 1; down.size() < 3; id++) {
        if (id != leader) {
          down.add(id);
        }
      }
      for (int id : down) {
        cell.kill(id); // no majority: no leader anywhere
      }
      session.close(); // gives up after its 3 s operation timeout
      assertEquals(SessionState.CLOSED, session.state());
      for (int id : down) {
        cell.start(id);
      }
      cell.awaitLeader(taker, Duration.ofSeconds(90));
      long backAt = System.nanoTime();
      DistributedLock lock = taker.lock(path);
      assertTrue(lock.acquire(Duration.ofSeconds(60)), "the lock was never freed");
      double took = (System.nanoTime() - backAt) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "abandoned session's lock free %.1f s after a leader was back "
              + "(its lease 20 s; load average %s)%n",
          took,
          LoadAverage.now());
      // Without the close it stays held for the session's whole 20 s lease after the leader is
      // back.
      assertTrue(took < 10, "the lock was free only " + took + " s after a leader was back");
      lock.release();
    }
  }

  private static Process startHolder(String path) throws IOException {
    List<String> cmd = new ArrayList<>(ProcessCell.javaCommand());
    cmd.addAll(
        List.of(
            LockHolderMain.class.getName(),
            String.join(",", cell.endpoints()),
            path,
            Long.toString(HOLDER_LEASE_MS)));
    Path log = dir.resolve("holder" + path.replace('/', '-') + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void awaitHeld(Process holder, String path) throws Exception {
    Path log = dir.resolve("holder" + path.replace('/', '-') + ".log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains("HELD ")) {
        return;
      }
      if (!holder.isAlive()) {
        throw new AssertionError("the holder process ended: " + Files.readString(log));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the holder did not get " + path + " within 90 s; see " + log);
  }
}
