package io.lockd.examples;

import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.FencingGuard;
import io.lockd.client.LockClient;
import io.lockd.client.LockMode;
import io.lockd.client.Sequencer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's example: several workers, each with its own client and session, increment a shared
 * counter held by a "resource" that admits only the newest lock holder (by sequencer). Every
 * increment happens under the exclusive lock {@code /examples/counter}; the resource's {@link
 * FencingGuard} would refuse a worker whose lock was taken over while it was paused.
 *
 * <pre>
 * java -cp lockctl/target/lockctl.jar io.lockd.examples.FencedCounter [ENDPOINTS] [WORKERS] [ROUNDS]
 * </pre>
 */
public final class FencedCounter {
  /** The protected resource: a counter that checks the caller's sequencer first. */
  static final class Counter {
    private final FencingGuard guard = new FencingGuard();
    private long value;

    synchronized long increment(Sequencer holder) {
      guard.admit(holder); // throws if a newer holder has already been seen
      return ++value;
    }

    synchronized long value() {
      return value;
    }
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // Errors only, as lockctl logs (its backend, slf4j-simple, writes to stderr).
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    String endpoints =
        args.length > 0
            ? args[0]
            : System.getenv()
                .getOrDefault(
                    "LOCKD_ENDPOINTS",
                    "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105");
    int workers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    Counter counter = new Counter();
    try (LockClient setup =
        LockClient.builder()
            .endpoints(endpoints.split(","))
            .clientName("fenced-counter-setup")
            .build()) {
      setup.mkdirs("/examples");
      setup.createUnlessExists("/examples/counter", CreateOptions.file());
    }
    List<Thread> threads = new ArrayList<>();
    for (int w = 1; w <= workers; w++) {
      int worker = w;
      Thread t = new Thread(() -> work(endpoints, worker, rounds, counter), "worker-" + w);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf("counter = %d (expected %d)%n", counter.value(), (long) workers * rounds);
    if (counter.value() != (long) workers * rounds) {
      System.exit(1);
    }
  }

  private static void work(String endpoints, int worker, int rounds, Counter counter) {
    try {
      workOrThrow(endpoints, worker, rounds, counter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void workOrThrow(String endpoints, int worker, int rounds, Counter counter)
      throws InterruptedException {
    try (LockClient client =
        LockClient.builder()
            .endpoints(endpoints.split(","))
            .clientName("fenced-counter-" + worker)
            .build()) {
      for (int i = 0; i < rounds; i++) {
        try (DistributedLock lock =
            client.lock(
                "/examples/counter",
                LockMode.EXCLUSIVE,
                (l, reason) ->
                    System.err.println("worker " + worker + " lost the lock: " + reason))) {
          if (!lock.acquire(Duration.ofSeconds(30))) {
            throw new IllegalStateException("worker " + worker + " waited 30 s for the lock");
          }
          long value = counter.increment(lock.sequencer());
          if (i == rounds - 1) {
            System.out.printf(
                "worker %d done, last wrote %d with generation %d%n",
                worker, value, lock.sequencer().lockGeneration());
          }
        }
      }
    }
  }
}
