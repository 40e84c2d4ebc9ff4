package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The consensus simulation with membership changes during the faults ({@link SimReconfiguration}):
 * fresh replicas join as learners, catch up by snapshot and log and are promoted; voters are
 * removed, the leader among them, and crashed ones replaced. Every checker of the plain simulation
 * stays on: agreement, order, lease safety, promises, ranges, durability, liveness, no ERROR line.
 *
 * <p>{@code -Dsim.reconfigSeeds=N} runs N seeds (40 by default, which CI runs); {@code
 * -Dsim.reconfigSeed=S} replays one.
 */
class ReconfigurationSimulationTest {
  static final String REPLAY =
      "./mvnw -B -q test -pl lockd-testing -am -Dtest=ReconfigurationSimulationTest "
          + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.reconfigSeed=%d";

  @Test
  void membershipChangesDuringFaultsKeepEveryGuarantee() {
    boolean replay = !System.getProperty("sim.reconfigSeed", "").isBlank();
    List<Simulation.Result> results =
        Seeds.run(
            "sim.reconfigSeed",
            "sim.reconfigSeeds",
            40,
            seed -> new Simulation(seed, 5, Set.of(), false, true).run(),
            Simulation.Result::seed);
    List<String> failures =
        Seeds.failures(
            results,
            Simulation.Result::seed,
            Simulation.Result::violation,
            r -> String.format(REPLAY, r.seed()));
    long changes = results.stream().mapToLong(Simulation.Result::membershipChanges).sum();
    System.out.printf(
        "RECONFIGURATION SIMULATION seeds=%d replicas=5 steps=%d membership-changes=%d "
            + "seeds-with-changes=%d handovers=%d violations=%d%n",
        results.size(),
        results.stream().mapToLong(Simulation.Result::steps).sum(),
        changes,
        results.stream().filter(r -> r.membershipChanges() > 0).count(),
        results.stream().mapToLong(Simulation.Result::handovers).sum(),
        failures.size());
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(changes > 0 || replay, "no membership change was applied: the harness is off");
  }
}
