package io.lockd.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 against the real log store. A child JVM ({@link CrashingAcceptorMain}) writes acceptor
 * decisions and prints each one after its sync; this test SIGKILLs the child at a random moment
 * (sometimes while it opens and recovers the store), opens the store itself and checks that every
 * acknowledged decision is there and every record is whole. The same store directory goes through
 * every kill, so recovery after a crash is crashed again too. Small segments and a low checkpoint
 * threshold make kills land in rolls and checkpoints as well as in group writes.
 *
 * <p>{@code -Dcrash.kills=500} runs more kills (default 25); {@code -Dcrash.seed=N} replays the
 * kill points and the child's decisions of a run (the exact instant of each kill still depends on
 * timing).
 */
class LogStoreCrashTest {
  static final List<String> CHILD_OPTIONS = List.of("segment=16384", "checkpoint=65536");
  private static final int MAX_ACKS_BEFORE_KILL = 600;

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
        CrashChild child =
            CrashChild.start(
                List.of(), store, random.nextLong(), CHILD_OPTIONS, dir.resolve("child-" + run));
        try {
          child.readDecisions(acked, acksBeforeKill);
        } finally {
          child.kill();
        }
        child.drain(acked);
        try (LogAcceptorStore reopened = LogAcceptorStore.open(store, LogAcceptorStoreTest.SMALL)) {
          acked.check(reopened.recover());
        }
      }
    } catch (Throwable t) {
      throw new AssertionError(
          "crash test failed in run " + run + " of " + kills + "; replay with -Dcrash.seed=" + seed,
          t);
    }
    System.out.printf(
        "LogStoreCrashTest: %d kills, %d acknowledged decisions all recovered (seed %d)%n",
        kills, acked.count(), seed);
  }
}
