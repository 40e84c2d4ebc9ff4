package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The main correctness test: many seeds of the deterministic simulation, each checked for
 * agreement, order, lease safety, durability and liveness. {@code -Dsim.seeds=N} runs more seeds;
 * {@code -Dsim.seed=S} replays exactly one run; {@code -Dsim.replicas=R} picks the cell size for
 * the main run (5 by default; 3 and 7 also run a tenth of the seeds each).
 */
class SimulationTest {
  static final String REPLAY =
      "./mvnw -B -q test -pl lockd-testing -am -Dtest=SimulationTest "
          + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.replicas=%d -Dsim.seed=%d";

  @Test
  void everySeedKeepsAllGuarantees() {
    String one = System.getProperty("sim.seed", "");
    int replicas = Integer.getInteger("sim.replicas", 5);
    if (!one.isBlank()) {
      Simulation.Result r = new Simulation(Long.parseLong(one.trim()), replicas, Set.of()).run();
      System.out.println("seed " + r.seed() + ": " + r);
      summary(List.of(r), replicas);
      assertEquals(null, r.violation(), "seed " + r.seed() + " broke a guarantee");
      return;
    }
    int seeds = Integer.getInteger("sim.seeds", 300);
    long base = Long.getLong("sim.firstSeed", 1);
    List<Simulation.Result> main = run(base, seeds, replicas);
    List<Simulation.Result> small = run(base + 1_000_000, Math.max(1, seeds / 10), 3);
    List<Simulation.Result> large = run(base + 2_000_000, Math.max(1, seeds / 10), 7);
    summary(main, replicas);
    summary(small, 3);
    summary(large, 7);
    List<Simulation.Result> all = new ArrayList<>(main);
    all.addAll(small);
    all.addAll(large);
    List<String> failures =
        Seeds.failures(
            all,
            Simulation.Result::seed,
            r -> r.violation() == null ? null : r.replicas() + " replicas: " + r.violation(),
            r -> String.format(REPLAY, r.replicas(), r.seed()));
    assertTrue(
        failures.isEmpty(),
        failures.size() + " seeds broke a guarantee:\n" + String.join("\n", failures));
    for (Simulation.Result r : main) {
      assertTrue(
          r.deliveries() >= 2_000,
          "seed "
              + r.seed()
              + " delivered only "
              + r.deliveries()
              + " messages; the run is too small to mean much");
    }
  }

  static List<Simulation.Result> run(long base, int seeds, int replicas) {
    return LongStream.range(base, base + seeds)
        .parallel()
        .mapToObj(s -> new Simulation(s, replicas, Set.of()).run())
        .sorted((a, b) -> Long.compare(a.seed(), b.seed()))
        .toList();
  }

  static void summary(List<Simulation.Result> results, int replicas) {
    long steps = results.stream().mapToLong(Simulation.Result::steps).sum();
    long deliveries = results.stream().mapToLong(Simulation.Result::deliveries).sum();
    long ops = results.stream().mapToLong(Simulation.Result::ops).sum();
    long violations = results.stream().filter(r -> r.violation() != null).count();
    System.out.printf(
        "simulation details: replicas=%d message deliveries=%d operations " + "committed=%d%n",
        replicas, deliveries, ops);
    System.out.printf(
        "SIMULATION seeds=%d replicas=%d steps=%d violations=%d%n",
        results.size(), replicas, steps, violations);
  }
}
