package io.lockd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockd.it.LockdProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale benchmark's logic at a tiny size, so that it keeps compiling and working: five lockd
 * processes, 200 sessions from two client processes kept for 5 s beside the lock workload, 300
 * nodes, a snapshot, a restore and a catch-up. Asserts correctness only (every session created,
 * none expired while kept alive, every node created), never a figure.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ScaleBenchmarkTest {
  @TempDir Path dir;

  @Test
  void tinyRunKeepsEverySessionAlive() throws Exception {
    ScaleBenchmark.Settings settings =
        new ScaleBenchmark.Settings(200, 2, 5, 5_000, 1, 300, 16, List.of());
    ScaleBenchmark.Outcome outcome =
        ScaleBenchmark.run(
            settings,
            LockdProcesses.fromTestClasspath(
                List.of("-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")),
            dir,
            System.out);
    assertEquals(200, outcome.sessionsCreated());
    assertEquals(0, outcome.spuriousExpiries(), "no session expired while kept alive");
    assertEquals(300, outcome.nodesCreated());
  }
}
