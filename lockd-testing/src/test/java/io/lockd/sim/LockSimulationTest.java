package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.server.ServerEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The lock service under the simulation: namespace, server layer and simulated applications on five
 * replicas, checked for mutual exclusion with fencing, lock-delay, session expiry, ephemeral nodes
 * and event order, on top of the consensus checks. {@code -Dsim.lockSeeds=N} runs more seeds,
 * {@code -Dsim.lockSeed=S} replays one.
 */
class LockSimulationTest {
  static final String REPLAY =
      "./mvnw -B -q test -pl lockd-testing -am -Dtest=LockSimulationTest "
          + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.lockSeed=%d";

  @Test
  void locksSessionsAndEventsKeepTheirGuarantees() {
    String one = System.getProperty("sim.lockSeed", "");
    List<LockSimulation.Result> results;
    if (!one.isBlank()) {
      results = List.of(new LockSimulation(Long.parseLong(one.trim()), 5).run());
      System.out.println(results.get(0));
    } else {
      int seeds = Integer.getInteger("sim.lockSeeds", 100);
      results =
          LongStream.rangeClosed(1, seeds)
              .parallel()
              .mapToObj(s -> new LockSimulation(s, 5).run())
              .sorted((a, b) -> Long.compare(a.seed(), b.seed()))
              .toList();
    }
    List<String> failures = new ArrayList<>();
    for (LockSimulation.Result r : results) {
      if (r.violation() != null) {
        failures.add(
            "seed "
                + r.seed()
                + ": "
                + r.violation()
                + "\n  replay: "
                + String.format(REPLAY, r.seed()));
      }
    }
    failures.forEach(System.out::println);
    System.out.printf(
        "SIMULATION seeds=%d replicas=5 steps=%d violations=%d locks=%d " + "sessions=%d%n",
        results.size(),
        results.stream().mapToLong(LockSimulation.Result::steps).sum(),
        failures.size(),
        results.stream().mapToLong(LockSimulation.Result::locks).sum(),
        results.stream().mapToLong(LockSimulation.Result::sessions).sum());
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    if (one.isBlank()) {
      assertEquals(0, failures.size());
    }
  }

  @Test
  void anInjectedDivergenceIsCaughtByTheStateChecker() {
    for (long seed = 1; seed <= 5; seed++) {
      String violation = new LockSimulation(seed, 5, ServerEvents.NONE, true).run().violation();
      assertNotNull(
          violation,
          "seed "
              + seed
              + ": a replica's state was changed behind the"
              + " log's back and no checker noticed");
      assertTrue(violation.startsWith("state: "), "seed " + seed + ": " + violation);
      System.out.println("DIVERGENCE caught at seed " + seed + ": " + violation);
    }
  }
}
