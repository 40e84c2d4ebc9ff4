package io.lockd.client.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.server.ServerEvents;
import io.lockd.sim.Seeds;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The real client library under the deterministic simulation ({@link ClientSimulation}). {@code
 * -Dsim.clientSeeds=N} runs seeds 1..N (default {@value #DEFAULT_SEEDS}, about 100 s on two shared
 * cores), {@code -Dsim.clientSeed=S} replays one seed and prints its result ({@code
 * -Dsim.trace=true} prints its story too).
 */
class ClientSimulationTest {
  static final int DEFAULT_SEEDS = 300;
  static final String REPLAY =
      "./mvnw -B -q test -pl lock-client -am -Dtest=ClientSimulationTest "
          + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.clientSeed=%d";

  @Test
  void realClientsKeepTheirGuaranteesUnderFaults() {
    List<ClientSimulation.Result> results =
        Seeds.run(
            "sim.clientSeed",
            "sim.clientSeeds",
            DEFAULT_SEEDS,
            ClientSimulationTest::runAndReport,
            ClientSimulation.Result::seed);
    List<String> failures =
        Seeds.failures(
            results,
            ClientSimulation.Result::seed,
            ClientSimulation.Result::violation,
            r -> String.format(REPLAY, r.seed()));
    System.out.printf(
        "SIMULATION client seeds=%d replicas=5 clients=%d steps=%d messages=%d "
            + "violations=%d acquired=%d sessions=%d refused=%d reads=%d cache_hits=%d "
            + "pauses=%d expiries=%d seeds_with_expiry=%d watch_events=%d resyncs=%d "
            + "acl_checked_allowed=%d acl_checked_denied=%d membership_changes=%d "
            + "seeds_with_changes=%d handovers=%d%n",
        results.size(),
        ClientSimulation.CLIENTS,
        sum(results, ClientSimulation.Result::steps),
        sum(results, ClientSimulation.Result::messages),
        failures.size(),
        sum(results, ClientSimulation.Result::acquired),
        sum(results, ClientSimulation.Result::sessions),
        sum(results, ClientSimulation.Result::refused),
        sum(results, ClientSimulation.Result::reads),
        sum(results, ClientSimulation.Result::cacheHits),
        sum(results, ClientSimulation.Result::pauses),
        sum(results, ClientSimulation.Result::expiries),
        results.stream().filter(r -> r.expiries() > 0).count(),
        sum(results, ClientSimulation.Result::events),
        sum(results, ClientSimulation.Result::resyncs),
        sum(results, ClientSimulation.Result::aclAllowed),
        sum(results, ClientSimulation.Result::aclDenied),
        sum(results, ClientSimulation.Result::membershipChanges),
        results.stream().filter(r -> r.membershipChanges() > 0).count(),
        sum(results, ClientSimulation.Result::handovers));
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(
        !System.getProperty("sim.clientSeed", "").isBlank()
            || sum(results, ClientSimulation.Result::membershipChanges) > 0,
        "no membership change was applied: the reconfiguration harness is off");
  }

  private static final java.util.concurrent.atomic.AtomicLong DONE =
      new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.AtomicLong FAILED =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Runs one seed; a long sweep says at once which seed failed, and every 250 seeds how far it got,
   * instead of only at its end.
   */
  private static ClientSimulation.Result runAndReport(long seed) {
    ClientSimulation.Result r = new ClientSimulation(seed).run();
    if (r.violation() != null) {
      FAILED.incrementAndGet();
      System.out.printf(
          "SIMULATION seed %d failed: %s%n", seed, r.violation().lines().findFirst().orElse(""));
    }
    long done = DONE.incrementAndGet();
    if (done % 250 == 0) {
      System.out.printf("SIMULATION progress seeds=%d violations=%d%n", done, FAILED.get());
    }
    return r;
  }

  private static long sum(
      List<ClientSimulation.Result> results, ToLongFunction<ClientSimulation.Result> field) {
    return results.stream().mapToLong(field).sum();
  }

  /**
   * One seed, run twice, gives the same trace (every packet with its time and bytes, every step of
   * the applications, the replicas' final states), and the clients started no thread.
   */
  @Test
  void aSeedReplaysExactly() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ClientSimulation.Result first = new ClientSimulation(7).run();
    ClientSimulation.Result second = new ClientSimulation(7).run();
    ClientSimulation.Result other = new ClientSimulation(8).run();
    assertNull(first.violation(), first.violation());
    assertEquals(first, second);
    assertTrue(first.messages() > 0 && first.acquired() > 0, first.toString());
    assertNotEquals(first.hash(), other.hash(), "different seeds, different runs");
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !before.contains(t))
            .noneMatch(t -> t.getName().startsWith("lockd-client-")),
        "a simulated client started a thread");
  }

  /**
   * A replica whose state changes behind the log's back (a forged message, a bug in apply) is
   * caught by the state checker, which compares the replicas' checksums at equal applied slots
   * after every step: the check the replicas' own checksum exchange relies on (docs/consensus.md).
   */
  @Test
  void anInjectedDivergenceIsCaughtByTheStateChecker() {
    for (long seed = 1; seed <= 5; seed++) {
      String violation = new ClientSimulation(seed, ServerEvents.NONE, true).run().violation();
      assertNotNull(
          violation,
          "seed "
              + seed
              + ": a replica's state was changed behind the log's back and no checker"
              + " noticed");
      assertTrue(violation.startsWith("state: "), "seed " + seed + ": " + violation);
      System.out.println("DIVERGENCE caught at seed " + seed + ": " + violation);
    }
  }
}
