package io.lockd.cli;

import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lockctl bench}: acquire/release throughput and latency with N clients. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures lock acquire+release pairs: N clients (each its own session) loop for S seconds, "
          + "each on its own lock (uncontended) or all on one lock (contended, FIFO hand-offs). "
          + "Prints pairs per second and the latency of a pair (p50, p99, max).",
      "Creates its lock nodes under --prefix; the first second of each run is warm-up and not counted.",
      "The reads workload instead has every client read one file in a loop, from the leader or, with "
          + "--cache, from the consistent cache; --write-interval adds a writer that changes the file "
          + "(each write then invalidates every cached copy)."
    },
    footer = {
      "%nExamples:",
      "  lockctl bench --clients 8 --seconds 10",
      "  lockctl bench --workload contended --clients 8",
      "  lockctl bench --workload reads --clients 8 --cache --write-interval 100ms",
      "  for n in 1 8 64; do lockctl bench --workload uncontended --clients $n -o json; done"
    })
final class BenchCommand implements Callable<Integer> {
  enum Workload {
    uncontended,
    contended,
    both,
    reads
  }

  /** One measured operation. */
  @FunctionalInterface
  private interface Op {
    void run() throws InterruptedException;
  }

  @Mixin GlobalOptions g;

  @Option(
      names = {"-n", "--clients"},
      paramLabel = "N",
      defaultValue = "8",
      description = "Clients (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = {"-s", "--seconds"},
      paramLabel = "S",
      defaultValue = "10",
      description = "Measured seconds per workload (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = {"-w", "--workload"},
      paramLabel = "W",
      defaultValue = "both",
      description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Workload workload;

  @Option(
      names = "--warmup",
      paramLabel = "S",
      defaultValue = "1",
      description = "Seconds not counted at the start (default ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--prefix",
      paramLabel = "PATH",
      defaultValue = "/bench",
      description = "Where the lock nodes go (default ${DEFAULT-VALUE}).")
  String prefix;

  @Option(
      names = "--cache",
      description = "reads: clients cache the file (LockClient.Builder.cache).")
  boolean cache;

  @Option(
      names = "--write-interval",
      paramLabel = "DURATION",
      defaultValue = "0s",
      converter = DurationConverter.class,
      description = "reads: a writer changes the file this often (0s, the default: no writer).")
  Duration writeInterval;

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || clients > 1024 || seconds < 1) {
      throw new IllegalArgumentException("--clients must be in [1, 1024] and --seconds at least 1");
    }
    if (workload == Workload.reads) {
      g.printRows(
          List.of(
              "workload",
              "clients",
              "seconds",
              "reads",
              "reads_per_s",
              "p50_ms",
              "p99_ms",
              "max_ms",
              "errors",
              "writes",
              "write_p50_ms",
              "write_max_ms"),
          List.of(runReads()));
      return ExitCodes.OK;
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    if (workload != Workload.contended) {
      rows.add(run(false));
    }
    if (workload != Workload.uncontended) {
      rows.add(run(true));
    }
    g.printRows(
        List.of(
            "workload",
            "clients",
            "seconds",
            "pairs",
            "pairs_per_s",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "errors"),
        rows);
    return ExitCodes.OK;
  }

  private Map<String, Object> run(boolean contended) throws Exception {
    List<LockClient> opened = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        opened.add(g.client());
      }
      LockClient setup = opened.get(0);
      setup.mkdirs(prefix);
      List<Op> pairs = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String p = prefix + (contended ? "/contended" : "/uncontended-" + i);
        if (i == 0 || !contended) {
          setup.createUnlessExists(p, CreateOptions.file());
        }
        DistributedLock lock = opened.get(i).lock(p);
        pairs.add(
            () -> {
              lock.acquire();
              lock.release();
            });
      }
      return row(contended ? "contended" : "uncontended", "pairs", measure(pairs, null));
    } finally {
      opened.parallelStream().forEach(LockClient::close);
    }
  }

  private Map<String, Object> runReads() throws Exception {
    List<LockClient> opened = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        opened.add(cache ? g.clientBuilder().cache(16).build() : g.client());
      }
      LockClient writer = g.client();
      opened.add(writer);
      writer.mkdirs(prefix);
      String path = prefix + "/read";
      writer.createUnlessExists(path, CreateOptions.file());
      writer.setContents(path, "0".getBytes(StandardCharsets.UTF_8));
      List<Op> reads = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        LockClient reader = opened.get(i);
        reads.add(() -> reader.getContents(path));
      }
      Op write = null;
      if (!writeInterval.isZero()) {
        long[] n = {0};
        write =
            () -> writer.setContents(path, Long.toString(++n[0]).getBytes(StandardCharsets.UTF_8));
      }
      Measured m = measure(reads, write);
      Map<String, Object> row = row(cache ? "reads-cached" : "reads-leader", "reads", m);
      row.put("writes", m.background.getTotalCount());
      row.put(
          "write_p50_ms",
          m.background.getTotalCount() == 0 ? "-" : millis(m.background.getValueAtPercentile(50)));
      row.put(
          "write_max_ms",
          m.background.getTotalCount() == 0 ? "-" : millis(m.background.getMaxValue()));
      return row;
    } finally {
      opened.parallelStream().forEach(LockClient::close);
    }
  }

  /** The latencies of a run: the workload's operations, and the background writer's. */
  private record Measured(Histogram all, Histogram background, long errors) {}

  /**
   * Latencies in nanoseconds, two significant digits (within 1 %), resized as larger values come:
   * one per thread, merged at the end.
   */
  private static Histogram latencies() {
    return new Histogram(2);
  }

  /**
   * Runs each of {@code ops} in a loop on a thread of its own, and {@code background} (if any)
   * every --write-interval, through the warm-up and the measured seconds.
   */
  private Measured measure(List<Op> ops, Op background) throws InterruptedException {
    long start = System.nanoTime();
    long measureFrom = start + warmupSeconds * 1_000_000_000L;
    long end = measureFrom + seconds * 1_000_000_000L;
    AtomicLong errors = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Histogram> histograms = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Histogram h = latencies();
      histograms.add(h);
      Op op = ops.get(i);
      threads.add(new Thread(() -> loop(op, 0, h, measureFrom, end, errors), "bench-" + i));
    }
    Histogram writes = latencies();
    if (background != null) {
      long pause = writeInterval.toMillis();
      threads.add(
          new Thread(
              () -> loop(background, pause, writes, measureFrom, end, errors), "bench-writer"));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    Histogram all = latencies();
    histograms.forEach(all::add);
    return new Measured(all, writes, errors.get());
  }

  private Map<String, Object> row(String workload, String unit, Measured m) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("workload", workload);
    row.put("clients", clients);
    row.put("seconds", seconds);
    row.put(unit, m.all.getTotalCount());
    row.put(unit + "_per_s", Math.round(m.all.getTotalCount() / (double) seconds));
    row.put("p50_ms", millis(m.all.getValueAtPercentile(50)));
    row.put("p99_ms", millis(m.all.getValueAtPercentile(99)));
    row.put("max_ms", millis(m.all.getMaxValue()));
    row.put("errors", m.errors);
    return row;
  }

  /**
   * Runs {@code op} until {@code end}, pausing {@code pauseMillis} after each; records latencies.
   */
  private static void loop(
      Op op, long pauseMillis, Histogram h, long measureFrom, long end, AtomicLong errors) {
    while (true) {
      long t0 = System.nanoTime();
      if (t0 >= end) {
        return;
      }
      try {
        op.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        errors.incrementAndGet();
        try {
          Thread.sleep(10); // do not spin while the cell is failing over
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        continue;
      }
      long t1 = System.nanoTime();
      if (t0 >= measureFrom && t1 <= end) {
        h.recordValue(t1 - t0);
      }
      if (pauseMillis > 0) {
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
  }
}
