package io.lockd.client.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The real client library under the deterministic simulation ({@link ClientSimulation}). {@code
 * -Dsim.clientSeeds=N} runs seeds 1..N (default {@value #DEFAULT_SEEDS}, under 10 s on two quiet
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
    String one = System.getProperty("sim.clientSeed", "");
    List<ClientSimulation.Result> results;
    if (!one.isBlank()) {
      results = List.of(new ClientSimulation(Long.parseLong(one.trim())).run());
      System.out.println(results.get(0));
    } else {
      int seeds = Integer.getInteger("sim.clientSeeds", DEFAULT_SEEDS);
      results =
          LongStream.rangeClosed(1, seeds)
              .parallel()
              .mapToObj(s -> new ClientSimulation(s).run())
              .sorted((a, b) -> Long.compare(a.seed(), b.seed()))
              .toList();
    }
    List<String> failures = new ArrayList<>();
    for (ClientSimulation.Result r : results) {
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
        "SIMULATION client seeds=%d replicas=5 clients=%d steps=%d messages=%d "
            + "violations=%d acquired=%d sessions=%d refused=%d reads=%d cache_hits=%d "
            + "pauses=%d%n",
        results.size(),
        ClientSimulation.CLIENTS,
        results.stream().mapToLong(ClientSimulation.Result::steps).sum(),
        results.stream().mapToLong(ClientSimulation.Result::messages).sum(),
        failures.size(),
        results.stream().mapToLong(ClientSimulation.Result::acquired).sum(),
        results.stream().mapToLong(ClientSimulation.Result::sessions).sum(),
        results.stream().mapToLong(ClientSimulation.Result::refused).sum(),
        results.stream().mapToLong(ClientSimulation.Result::reads).sum(),
        results.stream().mapToLong(ClientSimulation.Result::cacheHits).sum(),
        results.stream().mapToLong(ClientSimulation.Result::pauses).sum());
    assertTrue(failures.isEmpty(), String.join("\n", failures));
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
}
