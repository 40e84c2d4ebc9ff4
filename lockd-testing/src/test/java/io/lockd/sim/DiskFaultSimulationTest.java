package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The consensus simulation with faulty disks: on a seed-chosen minority of replicas a crash may
 * also lose the newest synced groups of the acceptor log or corrupt one of them, records the
 * replica had acknowledged (a disk that lied about a sync, or rotted). The replica must notice at
 * recovery (the log's checksums, and a superblock count of synced groups), must not answer a
 * prepare until it has learned again from its peers every slot it may have lost, and every checker
 * must still hold: no slot chosen twice, durability, liveness.
 *
 * <p>{@code -Dsim.diskFaultSeeds=N} runs N seeds (60 by default, which CI runs); {@code
 * -Dsim.diskFaultSeed=S} replays one.
 */
class DiskFaultSimulationTest {
  static final String REPLAY =
      "./mvnw -B -q test -pl lockd-testing -am -Dtest=DiskFaultSimulationTest "
          + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.diskFaultSeed=%d";

  @Test
  void replicasThatLoseSyncedRecordsNeverUseAWrongValue() {
    boolean replay = !System.getProperty("sim.diskFaultSeed", "").isBlank();
    List<Simulation.Result> results =
        Seeds.run(
            "sim.diskFaultSeed",
            "sim.diskFaultSeeds",
            60,
            seed -> new Simulation(seed, 5, Set.of(), true).run(),
            Simulation.Result::seed);
    List<String> failures =
        Seeds.failures(
            results,
            Simulation.Result::seed,
            Simulation.Result::violation,
            r -> String.format(REPLAY, r.seed()));
    long damaged = results.stream().mapToLong(Simulation.Result::damagedRecoveries).sum();
    long seedsDamaged = results.stream().filter(r -> r.damagedRecoveries() > 0).count();
    System.out.printf(
        "DISK FAULT SIMULATION seeds=%d replicas=5 steps=%d damaged-recoveries=%d "
            + "seeds-with-damage=%d violations=%d%n",
        results.size(),
        results.stream().mapToLong(Simulation.Result::steps).sum(),
        damaged,
        seedsDamaged,
        failures.size());
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(damaged > 0 || replay, "no run lost a synced record: the fault is off");
  }
}
