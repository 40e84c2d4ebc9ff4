package io.lockd.client.bench;

import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client library's CPU per lock acquire+release pair. N clients (each its own {@link
 * LockClient} and session) loop {@code acquire(); release()} on a lock of their own against a real
 * cell in a child JVM ({@link CellProcess}), so that this JVM's CPU time is the client's. Prints
 * one line per N: pairs per second, CPU milliseconds per pair (the whole process, JIT and GC
 * included, and the Java threads alone: the application's and the library's), the library's live
 * threads and the load average. A CPU-per-pair figure holds up on a busy machine far better than a
 * throughput figure does.
 *
 * <pre>
 * ./mvnw -B -q -o -pl lock-client -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Dlogback.configurationFile=lock-client/src/test/resources/logback-test.xml \
 *     -cp lock-client/target/test-classes:lock-client/target/classes:$(cat /tmp/cp.txt) \
 *     io.lockd.client.bench.ClientCpuBenchmark --clients 1,8,64 --seconds 20
 * </pre>
 *
 * Options: {@code --clients 1,8,64}, {@code --seconds S} (measured, per N; default 20), {@code
 * --warmup S} (per N, not measured; default 5), {@code --jit-warmup S} (once, before the first N,
 * with 8 clients; default 15), {@code --own} (every client opts out of the shared runtime).
 */
public final class ClientCpuBenchmark {
  private ClientCpuBenchmark() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    try (CellProcess cell = new CellProcess(5)) {
      System.out.printf(
          Locale.ROOT,
          "cell pid %d at %s; own runtime per client: %s%n",
          cell.pid(),
          cell.addresses(),
          o.own);
      if (o.jitWarmupSeconds > 0) {
        run(cell, o, 8, o.jitWarmupSeconds, 0, "jit-warmup");
      }
      for (int n : o.clients) {
        CpuSample s = run(cell, o, n, o.warmupSeconds, o.seconds, "n" + n);
        System.out.println(s.line());
        System.out.println(s.byThreadKind());
        System.out.println(s.libraryThreadKinds());
      }
    }
  }

  /** Opens {@code n} clients, runs their loops through warm-up and measurement, closes them. */
  private static CpuSample run(
      CellProcess cell, Options o, int n, int warmupSeconds, int seconds, String tag)
      throws Exception {
    List<LockClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        clients.add(o.builder(cell).clientName("bench-" + tag + "-" + i).build());
      }
      LockClient setup = clients.get(0);
      setup.mkdirs("/bench");
      LongAdder pairs = new LongAdder();
      List<PairLoop> loops = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String path = "/bench/" + tag + "-" + i;
        setup.createUnlessExists(path, CreateOptions.file());
        loops.add(new PairLoop(clients.get(i).lock(path), pairs, "bench-app-" + i));
      }
      loops.forEach(PairLoop::start);
      Thread.sleep(warmupSeconds * 1000L);
      CpuSample.Start start = CpuSample.start(n, pairs.sum());
      Thread.sleep(seconds * 1000L);
      CpuSample sample = start.end(pairs.sum());
      for (PairLoop l : loops) {
        l.stop();
      }
      long failed = loops.stream().mapToLong(PairLoop::failures).sum();
      if (failed > 0) {
        System.out.println("  (" + failed + " pairs failed)");
      }
      return sample;
    } finally {
      clients.parallelStream().forEach(LockClient::close);
    }
  }

  /** One application thread: acquire, release, count, until stopped. */
  private static final class PairLoop {
    private final Thread thread;
    private final LongAdder failures = new LongAdder();
    private volatile boolean stopped;

    PairLoop(DistributedLock lock, LongAdder pairs, String name) {
      thread =
          new Thread(
              () -> {
                while (!stopped) {
                  try {
                    lock.acquire();
                    lock.release();
                    pairs.increment();
                  } catch (InterruptedException e) {
                    return;
                  } catch (RuntimeException e) {
                    failures.increment();
                  }
                }
              },
              name);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join();
    }

    long failures() {
      return failures.sum();
    }
  }

  /** Command-line options. */
  private record Options(
      List<Integer> clients, int seconds, int warmupSeconds, int jitWarmupSeconds, boolean own) {
    static Options parse(String[] args) {
      List<Integer> clients = List.of(1, 8, 64);
      int seconds = 20;
      int warmup = 5;
      int jit = 15;
      boolean own = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--clients" ->
              clients = List.of(args[++i].split(",")).stream().map(Integer::parseInt).toList();
          case "--seconds" -> seconds = Integer.parseInt(args[++i]);
          case "--warmup" -> warmup = Integer.parseInt(args[++i]);
          case "--jit-warmup" -> jit = Integer.parseInt(args[++i]);
          case "--own" -> own = true;
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      return new Options(clients, seconds, warmup, jit, own);
    }

    LockClient.Builder builder(CellProcess cell) {
      LockClient.Builder b = LockClient.builder().endpoints(cell.addresses());
      return own ? b.sharedRuntime(false) : b;
    }
  }
}
