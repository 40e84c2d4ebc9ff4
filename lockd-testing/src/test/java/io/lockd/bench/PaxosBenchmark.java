package io.lockd.bench;

import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import io.lockd.replica.ReplicaRuntime;
import io.lockd.storage.GroupCommitWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Five production replicas in one JVM (real driver, MapDB files with group commit, gRPC between
 * replicas on loopback) under 1, 8 and 64 closed-loop proposers. Prints committed commands per
 * second, p50/p99 commit latency and commands per fsync (summed over the five writers).
 *
 * <p>Run: {@code ./mvnw -B -q install -DskipTests && ./mvnw -B -q -pl lockd-testing exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=io.lockd.bench.PaxosBenchmark} ({@code
 * -Dbench.seconds=N} per workload, default 10).
 */
public final class PaxosBenchmark {
  public static void main(String[] args) throws Exception {
    int seconds = Integer.getInteger("bench.seconds", 10);
    int[] proposerCounts =
        Arrays.stream(System.getProperty("bench.proposers", "1,8,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    Path dir = Files.createTempDirectory("lockd-bench");
    System.out.printf(
        "lockd paxos benchmark: 5 replicas, %d s per workload, %d cores, data in a " + "temp dir%n",
        seconds, Runtime.getRuntime().availableProcessors());
    try (LocalCell cell = new LocalCell(5, dir, id -> new CounterStateMachine())) {
      ReplicaRuntime leader = cell.awaitLeader(10_000);
      run(cell, leader, 8, 2, "warm-up "); // not a result: lets the JIT compile the path
      for (int proposers : proposerCounts) {
        run(cell, leader, proposers, seconds, "");
      }
    }
  }

  private static void run(
      LocalCell cell, ReplicaRuntime leader, int proposers, int seconds, String label)
      throws Exception {
    long[] before = fsyncTotals(cell);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    List<long[]> latencies = new ArrayList<>();
    for (int p = 0; p < proposers; p++) {
      long[] lat = new long[2_000_000];
      latencies.add(lat);
      Thread t = new Thread(() -> propose(leader, end, lat));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long[] after = fsyncTotals(cell);
    long[] all =
        latencies.stream()
            .flatMapToLong(l -> Arrays.stream(l, 1, (int) l[0] + 1))
            .sorted()
            .toArray();
    double perSecond = all.length / (double) seconds;
    double perSync = (after[1] - before[1]) / (double) Math.max(1, after[0] - before[0]);
    System.out.printf(
        "%sproposers=%-3d committed/s=%8.0f p50=%6.2f ms p99=%6.2f ms "
            + "commands/fsync=%6.2f (fsync groups=%d)%n",
        label, proposers, perSecond, pct(all, 0.50), pct(all, 0.99), perSync, after[0] - before[0]);
  }

  /** Closed loop: propose, wait for the outcome, repeat. lat[0] counts the samples. */
  private static void propose(ReplicaRuntime leader, long end, long[] lat) {
    byte[] payload = new byte[64];
    while (System.nanoTime() < end && lat[0] < lat.length - 1) {
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      long start = System.nanoTime();
      boolean queued =
          leader
              .loop()
              .submit(
                  r ->
                      r.propose(
                          payload,
                          new ProposalCallback() {
                            @Override
                            public void applied(long slot, byte[] result) {
                              done.complete(true);
                            }

                            @Override
                            public void failed(ProposalFailure failure, int leaderHint) {
                              done.complete(false);
                            }
                          }));
      try {
        if (queued && done.get(10, TimeUnit.SECONDS)) {
          lat[(int) ++lat[0]] = System.nanoTime() - start;
        }
      } catch (Exception e) {
        throw new IllegalStateException("proposal failed", e);
      }
    }
  }

  private static long[] fsyncTotals(LocalCell cell) {
    long syncs = 0;
    long commands = 0;
    for (ReplicaRuntime r : cell.replicas) {
      GroupCommitWriter.Stats s = r.writerStats();
      syncs += s.syncs();
      commands += s.commands();
    }
    return new long[] {syncs, commands};
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
  }
}
