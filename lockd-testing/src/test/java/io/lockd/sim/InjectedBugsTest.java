package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The checkers must be able to fail: each known bug, injected through the harness (the production
 * code stays as it is), must be caught within a bounded number of seeds. The reconfiguration bugs
 * run in the simulation that changes the membership ({@link SimReconfiguration}).
 */
class InjectedBugsTest {
  private static final int MAX_SEEDS = Integer.getInteger("sim.bugSeeds", 400);

  @ParameterizedTest
  @EnumSource(Simulation.Bug.class)
  void checkersCatchTheInjectedBug(Simulation.Bug bug) {
    Simulation.Result caught = null;
    for (long seed = 1; seed <= MAX_SEEDS && caught == null; seed++) {
      Simulation.Result r =
          new Simulation(seed, 5, Set.of(bug), false, bug.needsReconfiguration()).run();
      if (r.violation() != null) {
        caught = r;
      }
    }
    assertNotNull(caught, bug + " was not caught within " + MAX_SEEDS + " seeds");
    System.out.printf(
        "BUG %s caught at seed %d: %s%n",
        bug, caught.seed(), caught.violation().lines().findFirst().orElse(""));
  }
}
