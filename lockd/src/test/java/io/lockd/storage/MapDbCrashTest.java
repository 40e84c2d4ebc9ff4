package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 against the real MapDB store. A child JVM ({@link CrashingAcceptorMain}) writes
 * acceptor decisions and prints each one after its sync; this test SIGKILLs the child at a random
 * moment (sometimes while it opens and recovers the store), opens the store itself and checks
 * that every acknowledged decision is there and every record is whole. The same store directory
 * goes through every kill, so recovery after a crash is crashed again too.
 *
 * <p>{@code -Dcrash.kills=500} runs more kills (default 25); {@code -Dcrash.seed=N} replays the
 * kill points and the child's decisions of a run (the exact instant of each kill still depends
 * on timing).
 */
class MapDbCrashTest {
  private static final int MAX_ACKS_BEFORE_KILL = 600;
  private static final long WAIT_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void everyAcknowledgedDecisionSurvivesKillMinus9() throws Exception {
    int kills = Integer.getInteger("crash.kills", 25);
    String seedProperty = System.getProperty("crash.seed", "");
    long seed = seedProperty.isEmpty() ? System.nanoTime() : Long.parseLong(seedProperty);
    SplittableRandom random = new SplittableRandom(seed);
    AckedDecisions acked = new AckedDecisions();
    Path store = dir.resolve("store");
    int run = 0;
    try {
      for (; run < kills; run++) {
        // One kill in ten lands while the child opens and recovers the store.
        int acksBeforeKill = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(MAX_ACKS_BEFORE_KILL);
        runChildAndKill(store, random.nextLong(), acksBeforeKill, acked, run);
        try (MapDbAcceptorStore reopened = MapDbAcceptorStore.open(store)) {
          acked.check(reopened.recover());
        }
      }
    } catch (Throwable t) {
      throw new AssertionError(
          "crash test failed in run " + run + " of " + kills + "; replay with -Dcrash.seed=" + seed,
          t);
    }
    System.out.printf(
        "MapDbCrashTest: %d kills, %d acknowledged decisions all recovered (seed %d)%n",
        kills, acked.count(), seed);
  }

  private void runChildAndKill(
      Path store, long childSeed, int acksBeforeKill, AckedDecisions acked, int run)
      throws IOException, InterruptedException {
    Path stderr = dir.resolve("child-" + run + ".err");
    Process child = startChild(store, childSeed, stderr);
    ChildLines lines = new ChildLines(child.getInputStream(), "crash-child-" + child.pid());
    try {
      assertEquals("OPENING", lines.next(WAIT_SECONDS), () -> childTrouble(stderr));
      int acks = 0;
      while (acks < acksBeforeKill) {
        String line = lines.next(WAIT_SECONDS);
        assertNotNull(line, () -> "child silent for " + WAIT_SECONDS + " s; " + childTrouble(stderr));
        if (line.equals(ChildLines.END)) {
          break;
        }
        acks += record(line, acked);
      }
    } finally {
      // SIGKILL on Linux, to this one process: nothing in the child gets to run.
      child.destroyForcibly();
      assertTrue(child.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "child did not die");
    }
    // Lines the child printed before it died were acknowledged too.
    for (String line = lines.next(WAIT_SECONDS); !ChildLines.END.equals(line); ) {
      assertNotNull(line, "child's output did not end after its death");
      record(line, acked);
      line = lines.next(WAIT_SECONDS);
    }
  }

  /** Records an acknowledgement; returns 1 for a decision, 0 for a progress line. */
  private static int record(String line, AckedDecisions acked) {
    if (List.of("OPENING", "OPENED", "DONE").contains(line)) {
      return 0;
    }
    acked.ack(line);
    return 1;
  }

  private static Process startChild(Path store, long seed, Path stderr) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            CrashingAcceptorMain.class.getName(),
            store.toString(),
            Long.toString(seed));
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }

  private static String childTrouble(Path stderr) {
    try {
      String text = Files.readString(stderr);
      return "child stderr: " + text.substring(Math.max(0, text.length() - 4000));
    } catch (IOException e) {
      return "child stderr unreadable: " + e;
    }
  }
}
