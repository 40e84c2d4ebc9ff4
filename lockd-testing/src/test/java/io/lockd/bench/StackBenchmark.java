package io.lockd.bench;

import io.grpc.Status;
import io.lockd.it.CellClient;
import io.lockd.it.LockdProcesses;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.testing.LoadAverage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The whole stack: five {@code lockd} JVMs (the built jar, default settings) on 127.0.0.1, and gRPC
 * clients in this JVM, each with its own session (kept alive by its own KeepAlive stream) and its
 * own channels. Prints
 *
 * <ul>
 *   <li>uncontended lock acquire+release pairs per second and p50/p99 pair latency for 1, 8 and 64
 *       clients, each on its own lock;
 *   <li>contended handoffs per second for 8 clients on one lock (blocking acquire; the grant
 *       arrives on the KeepAlive stream), with p50/p99 of acquire-to-grant;
 *   <li>the failover gap: with 8 uncontended clients running, SIGKILL of the leader, then the
 *       longest time in which no client completed an operation and the time until all 8 had
 *       completed one again; the killed replica is restarted and caught up between trials.
 * </ul>
 *
 * <p>Run (from the repository root; {@code -Dbench.seconds=N} per workload, default 10; {@code
 * -Dbench.clients=1,8,64}; {@code -Dbench.failovers=N}, default 5; {@code
 * -Dbench.workloads=uncontended,contended,read,failover}; {@code -Dbench.warmup=S} (20); {@code
 * -Dbench.dir=DIR} where the data directories go (default java.io.tmpdir); {@code
 * -Dbench.jvm="..."} the servers' JVM options, default {@code -Xms256m -Xmx512m
 * -XX:MetaspaceSize=64m -XX:+UseSerialGC} as deploy/local/cell.sh): {@code ./mvnw -B -q install
 * -DskipTests && ./mvnw -B -q -pl lockd-testing exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.lockd.bench.StackBenchmark}
 */
public final class StackBenchmark {
  static final long CALL_MILLIS = 30_000;
  static final long ATTEMPT_MILLIS = 5_000;

  private final LockdProcesses cell;
  private final CellClient admin;

  private StackBenchmark(LockdProcesses cell, CellClient admin) {
    this.cell = cell;
    this.admin = admin;
  }

  public static void main(String[] args) throws Exception {
    int seconds = Integer.getInteger("bench.seconds", 10);
    int failovers = Integer.getInteger("bench.failovers", 5);
    int[] clientCounts =
        Arrays.stream(System.getProperty("bench.clients", "1,8,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    List<String> workloads =
        List.of(
            System.getProperty("bench.workloads", "uncontended,contended,read,failover")
                .split(","));
    Path jar = jar();
    Path parent = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
    Path dir = Files.createTempDirectory(parent, "lockd-stack-bench");
    List<String> jvm =
        List.of(
            System.getProperty(
                    "bench.jvm", "-Xms256m -Xmx512m -XX:MetaspaceSize=64m -XX:+UseSerialGC")
                .split(" "));
    System.out.printf(
        "lockd whole-stack benchmark: 5 lockd JVMs (%s, default settings), clients "
            + "in this JVM, %d s per workload, %d cores, data in %s%n",
        jar, seconds, Runtime.getRuntime().availableProcessors(), dir);
    try (LockdProcesses cell =
            new LockdProcesses(5, dir, LockdProcesses.fromJar(jar, jvm), List.of());
        CellClient admin = new CellClient(cell.clientAddresses())) {
      cell.startAll();
      admin.call(
          ch ->
              NodeGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .getStat(GetStatRequest.newBuilder().setPath("/").build()),
          60_000);
      StackBenchmark bench = new StackBenchmark(cell, admin);
      bench.setUp();
      bench.uncontended(8, Integer.getInteger("bench.warmup", 20), false); // warm-up (JIT)
      bench.idle(5);
      if (workloads.contains("uncontended")) {
        for (int clients : clientCounts) {
          bench.uncontended(clients, seconds, true);
        }
      }
      if (workloads.contains("contended")) {
        bench.contended(8, seconds);
      }
      if (workloads.contains("read")) {
        for (int clients : new int[] {1, 8}) {
          bench.reads(clients, seconds);
        }
      }
      if (workloads.contains("failover")) {
        for (int trial = 1; trial <= failovers; trial++) {
          bench.failover(trial, 8);
        }
      }
    } finally {
      if (Boolean.getBoolean("bench.keep")) {
        System.out.println("data and logs kept in " + dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  /** Deletes {@code dir} and everything under it (a benchmark's scratch directory). */
  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Path jar() {
    String given = System.getProperty("bench.jar");
    if (given != null) {
      return Path.of(given).toAbsolutePath();
    }
    for (Path p : List.of(Path.of("lockd/target/lockd.jar"), Path.of("target/lockd.jar"))) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException(
        "lockd.jar not found; build it (./mvnw -B -q -DskipTests "
            + "install) or pass -Dbench.jar=PATH");
  }

  private void setUp() throws Exception {
    try (BenchClient c = new BenchClient(cell.clientAddresses(), "setup", "/bench")) {
      c.create("/bench", NodeKind.NODE_KIND_DIRECTORY);
      c.create("/bench/contended", NodeKind.NODE_KIND_FILE);
      for (int i = 0; i < 64; i++) {
        c.create(lockPath(i), NodeKind.NODE_KIND_FILE);
      }
    }
  }

  private static String lockPath(int i) {
    return String.format("/bench/own-%02d", i);
  }

  // ---- workloads -------------------------------------------------------------------------------

  private void uncontended(int clients, int seconds, boolean print) throws Exception {
    List<BenchClient> all = clients(clients, false);
    try {
      CpuMeter cpu = new CpuMeter();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      runAll(
          all,
          c ->
              timedLoop(
                  c,
                  end,
                  x -> {
                    x.acquire(0);
                    x.release();
                  },
                  x -> {}));
      if (print) {
        long[] lat = merged(all);
        System.out.printf(
            "uncontended clients=%-3d pairs/s=%8.0f p50=%7.2f ms p99=%7.2f ms "
                + "(pairs=%d) %s %s%n",
            clients,
            lat.length / (double) seconds,
            pct(lat, 0.50),
            pct(lat, 0.99),
            lat.length,
            cpu.batching(),
            cpu.per(lat.length));
      }
    } finally {
      closeAll(all);
    }
  }

  /** What the cell costs with no client at all (ticks, heartbeats, JIT): the floor under cpu/op. */
  private void idle(int seconds) throws InterruptedException {
    CpuMeter cpu = new CpuMeter();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    System.out.printf("idle        %d s, no clients: %s%n", seconds, cpu.per(1));
  }

  /** For comparison only: a read the leader serves under its lease (no log, no disk). */
  private void reads(int clients, int seconds) throws Exception {
    List<BenchClient> all = clients(clients, false);
    try {
      CpuMeter cpu = new CpuMeter();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      GetStatRequest r = GetStatRequest.newBuilder().setPath("/bench").build();
      runAll(
          all,
          c ->
              timedLoop(
                  c,
                  end,
                  x ->
                      x.cell.call(
                          ch ->
                              NodeGrpc.newBlockingStub(ch)
                                  .withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                                  .getStat(r),
                          CALL_MILLIS),
                  x -> {}));
      long[] lat = merged(all);
      System.out.printf(
          "read        clients=%-3d reads/s=%8.0f p50=%7.2f ms p99=%7.2f ms "
              + "(GetStat under the lease) %s%n",
          clients,
          lat.length / (double) seconds,
          pct(lat, 0.50),
          pct(lat, 0.99),
          cpu.per(lat.length));
    } finally {
      closeAll(all);
    }
  }

  private void contended(int clients, int seconds) throws Exception {
    List<BenchClient> all = clients(clients, true);
    try {
      CpuMeter cpu = new CpuMeter();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      runAll(all, c -> timedLoop(c, end, x -> x.acquireWaiting(end), BenchClient::release));
      long[] lat = merged(all);
      System.out.printf(
          "contended   clients=%-3d handoffs/s=%8.0f acquire-to-grant p50=%7.2f ms "
              + "p99=%7.2f ms (grants=%d) %s %s%n",
          clients,
          lat.length / (double) seconds,
          pct(lat, 0.50),
          pct(lat, 0.99),
          lat.length,
          cpu.batching(),
          cpu.per(lat.length));
    } finally {
      closeAll(all);
    }
  }

  private void failover(int trial, int clients) throws Exception {
    List<BenchClient> all = clients(clients, false);
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    try {
      for (BenchClient c : all) {
        threads.add(
            start(
                client -> {
                  while (!stop.get()) {
                    c.acquire(0);
                    c.done.add(System.nanoTime());
                    c.release();
                    c.done.add(System.nanoTime());
                  }
                },
                c));
      }
      Thread.sleep(2_000);
      int leader = confirmedLeader();
      long killed = System.nanoTime();
      cell.kill(leader);
      long deadline = killed + TimeUnit.MILLISECONDS.toNanos(CALL_MILLIS);
      while (!all.stream().allMatch(c -> c.done.last() > killed) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(1_000);
      stop.set(true);
      joinAll(threads);
      for (BenchClient c : all) {
        if (c.failure != null) {
          throw new IllegalStateException("client " + c.name + " failed", c.failure);
        }
      }
      long allBack = 0;
      List<Long> perClient = new ArrayList<>();
      for (BenchClient c : all) {
        long first = c.done.firstAfter(killed);
        if (first == Long.MAX_VALUE) {
          throw new IllegalStateException(
              "client " + c.name + " completed nothing within " + CALL_MILLIS + " ms of the kill");
        }
        allBack = Math.max(allBack, first - killed);
        perClient.add(TimeUnit.NANOSECONDS.toMillis(first - killed));
      }
      // The longest interval without any completion, from the last completion before the kill
      // on (so that a stall before the kill does not count).
      long[] times = merged(all, true);
      long gap = 0;
      for (int i = 1; i < times.length; i++) {
        if (times[i] > killed) {
          gap = Math.max(gap, times[i] - times[i - 1]);
        }
      }
      Map<Status.Code, Long> retried = new TreeMap<>();
      for (BenchClient c : all) {
        c.cell.retried().forEach((code, n) -> retried.merge(code, n, Long::sum));
      }
      int newLeader = confirmedLeader();
      System.out.printf(
          "failover    trial=%d killed=%d new-leader=%d longest-no-completion=%5d ms "
              + "all-%d-clients-completed-again=%5d ms (per client: %s; retried: %s)%n",
          trial,
          leader,
          newLeader,
          TimeUnit.NANOSECONDS.toMillis(gap),
          clients,
          TimeUnit.NANOSECONDS.toMillis(allBack),
          perClient,
          retried);
      cell.start(leader);
      awaitConverged(60_000);
      awaitStableLeader();
    } finally {
      stop.set(true);
      joinAll(threads);
      closeAll(all);
    }
  }

  // ---- clients ---------------------------------------------------------------------------------

  private interface Body {
    void run(BenchClient c) throws Exception;
  }

  private List<BenchClient> clients(int n, boolean contended) throws Exception {
    List<BenchClient> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(
          new BenchClient(
              cell.clientAddresses(), "bench-" + i, contended ? "/bench/contended" : lockPath(i)));
    }
    return all;
  }

  /**
   * Closed loop until {@code end}: {@code measured}, then {@code untimed}; records the latency of
   * each {@code measured} that completed before {@code end} (later ones are not counted).
   */
  private static void timedLoop(BenchClient c, long end, Body measured, Body untimed)
      throws Exception {
    while (System.nanoTime() < end) {
      long start = System.nanoTime();
      measured.run(c);
      long now = System.nanoTime();
      if (now < end) {
        c.samples.add(now - start);
      }
      untimed.run(c);
    }
  }

  private static void runAll(List<BenchClient> clients, Body body) throws Exception {
    List<Thread> threads = new ArrayList<>();
    for (BenchClient c : clients) {
      threads.add(start(body, c));
    }
    joinAll(threads);
    for (BenchClient c : clients) {
      if (c.failure != null) {
        throw new IllegalStateException("client " + c.name + " failed", c.failure);
      }
    }
  }

  private static Thread start(Body body, BenchClient c) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run(c);
              } catch (Exception | AssertionError e) {
                c.failure = e;
              }
            },
            c.name);
    t.start();
    return t;
  }

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      t.join(TimeUnit.MILLISECONDS.toMillis(CALL_MILLIS * 2));
    }
  }

  private static void closeAll(List<BenchClient> clients) {
    clients.forEach(BenchClient::close);
  }

  private static long[] merged(List<BenchClient> clients) {
    return merged(clients, false);
  }

  private static long[] merged(List<BenchClient> clients, boolean completions) {
    return clients.stream()
        .flatMapToLong(c -> (completions ? c.done : c.samples).stream())
        .sorted()
        .toArray();
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
  }

  /**
   * CPU time the five servers and this (client) JVM used during a workload, and the machine's load
   * average at its end: shows whether a run was CPU-bound and whether others shared the machine.
   */
  private final class CpuMeter {
    private final long[] log = logPosition();
    private final long servers = serverCpuNanos();
    private final long client = clientCpuNanos();
    private final long wall = System.nanoTime();

    /** Commands applied per log slot during the workload (batching), from the leader's view. */
    String batching() throws InterruptedException {
      long[] now = logPosition();
      return String.format(
          "cmds/slot=%.2f", (now[0] - log[0]) / (double) Math.max(1, now[1] - log[1]));
    }

    String per(long operations) {
      double ops = Math.max(1, operations);
      double wallSeconds = (System.nanoTime() - wall) / 1e9;
      double serverMs = (serverCpuNanos() - servers) / 1e6;
      double clientMs = (clientCpuNanos() - client) / 1e6;
      return String.format(
          "cpu-ms/op servers=%.2f client=%.2f (cores busy: servers %.2f, "
              + "client %.2f) loadavg=%s",
          serverMs / ops,
          clientMs / ops,
          serverMs / 1e3 / wallSeconds,
          clientMs / 1e3 / wallSeconds,
          LoadAverage.now());
    }
  }

  /** {commands applied (the namespace's index), the leader's applied slot}. */
  private long[] logPosition() {
    try {
      long index =
          admin
              .call(
                  ch ->
                      NodeGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(1, TimeUnit.SECONDS)
                          .getStat(GetStatRequest.newBuilder().setPath("/").build()),
                  CALL_MILLIS)
              .getIndex();
      for (ReplicaStatus s : admin.selfStatuses(1_000).values()) {
        if (s.getRole() == ReplicaRole.REPLICA_ROLE_LEADER) {
          return new long[] {index, s.getAppliedSlot()};
        }
      }
      return new long[] {index, 0};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new long[] {0, 0};
    }
  }

  private long serverCpuNanos() {
    long total = 0;
    for (int id = 1; id <= cell.size(); id++) {
      total +=
          cell.handle(id)
              .flatMap(h -> h.info().totalCpuDuration())
              .map(Duration::toNanos)
              .orElse(0L);
    }
    return total;
  }

  private static long clientCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  // ---- the cell --------------------------------------------------------------------------------

  private int confirmedLeader() throws InterruptedException {
    return admin.awaitLeaderId(CALL_MILLIS);
  }

  /**
   * Waits (bounded) until the same leader with the same ballot is seen 3 s apart: a restarted
   * replica may depose the leader shortly after it starts (see RejoinKeepsLeaderTest), and the next
   * trial should measure its own kill only.
   */
  private void awaitStableLeader() throws InterruptedException {
    for (int attempt = 0; attempt < 10; attempt++) {
      int leader = confirmedLeader();
      ReplicaStatus before = admin.selfStatuses(1_000).get(leader);
      Thread.sleep(3_000);
      int now = confirmedLeader();
      ReplicaStatus after = admin.selfStatuses(1_000).get(now);
      if (now == leader
          && before != null
          && after != null
          && after.getBallot() == before.getBallot()) {
        return;
      }
      System.out.printf(
          "            (leader changed from %d to %d while the restarted replica " + "rejoined)%n",
          leader, now);
    }
  }

  private void awaitConverged(long timeoutMillis) throws InterruptedException {
    admin.awaitSameAppliedSlot(cell.size(), timeoutMillis);
  }
}
