package io.lockd.bench;

import com.google.protobuf.ByteString;
import io.lockd.it.CellClient;
import io.lockd.it.LockdProcesses;
import io.lockd.paxos.Ballot;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.SaveSnapshotRequest;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.testing.LoadAverage;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 13's scale benchmark (a main class, not a test): a five-process cell (or given endpoints)
 * holding S sessions from P client processes, each session with its KeepAlive stream, for D
 * seconds, with the 8-client uncontended lock workload beside them; then N nodes, a snapshot, a
 * restore and a restarted replica's catch-up. One summary line per figure, each with the load
 * average (1/5/15 min) so that a run on a busy machine shows as such:
 *
 * <pre>
 * SCALE sessions-created-per-s=...
 * SCALE spurious-expiries=0 ...
 * SCALE memory-per-session leader=... B follower=... B ...
 * SCALE lock-pairs-per-s without-sessions=... with-sessions=... ratio=...
 * SCALE nodes-created-per-s=... / memory-per-node / snapshot / restore / catch-up / write-p99 ...
 * </pre>
 *
 * <p>Memory is the heap after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}),
 * before and after, divided by the count: what the replica keeps per session, stream buffers
 * included as far as the heap holds them. Sizes are system properties: {@code
 * -Dscale.sessions=100000 -Dscale.processes=10 -Dscale.seconds=600 -Dscale.nodes=1000000
 * -Dscale.contentBytes=64 -Dscale.lockSeconds=30 (0: no lock workload) -Dscale.leaseMs=12000
 * -Dscale.keepalive=batched (Session.KeepAlives) or streams (a KeepAlive stream per session)
 * -Dscale.killLeaderAfter=S (kill -9 of the leader S seconds into the hold; 0: none)}; {@code
 * -Dscale.endpoints=h:p,...} measures a running cell instead (no memory, restore or catch-up
 * figures then); {@code -Dscale.jar}, {@code -Dscale.jvm}, {@code -Dscale.dir} as {@code bench.*}
 * in {@link StackBenchmark}. Run it with the test class path after building the jar
 * (docs/benchmarks.md, "Scale", has the command); child JVMs get this JVM's class path, also under
 * {@code exec:java}.
 */
public final class ScaleBenchmark {
  /** What to measure. */
  record Settings(
      int sessions,
      int processes,
      int seconds,
      long leaseMillis,
      int lockSeconds,
      int nodes,
      int contentBytes,
      List<String> endpoints) {

    static Settings fromProperties() {
      String given = System.getProperty("scale.endpoints", "");
      return new Settings(
          Integer.getInteger("scale.sessions", 2_000),
          Integer.getInteger("scale.processes", 2),
          Integer.getInteger("scale.seconds", 30),
          Long.getLong("scale.leaseMs", 12_000),
          Integer.getInteger("scale.lockSeconds", 10),
          Integer.getInteger("scale.nodes", 10_000),
          Integer.getInteger("scale.contentBytes", 64),
          given.isBlank() ? List.of() : List.of(given.split(",")));
    }

    /** The lockd flags the sizes need beyond the defaults (limits are cell-wide: all members). */
    List<String> flags() {
      long nodesNeeded = nodes + nodes / 10 + 10_000L;
      long contentNeeded = 2L * nodes * contentBytes;
      // LockdProcesses gives --allow-anonymous-admin (SaveSnapshot needs the admin right).
      List<String> out = new ArrayList<>();
      if (nodesNeeded > io.lockd.namespace.NamespaceLimits.NODES_MAX_DEFAULT) {
        out.addAll(List.of("--max-nodes", Long.toString(nodesNeeded)));
      }
      if (contentNeeded > io.lockd.namespace.NamespaceLimits.TOTAL_CONTENT_BYTES_MAX_DEFAULT) {
        out.addAll(List.of("--max-total-content-bytes", Long.toString(contentNeeded)));
      }
      return out;
    }
  }

  /** What correctness the run showed (the CI test asserts on these, never on figures). */
  record Outcome(long sessionsCreated, long spuriousExpiries, long nodesCreated) {}

  private static final int LOCK_CLIENTS = 8;
  private static final long CALL_MILLIS = StackBenchmark.CALL_MILLIS;

  private final Settings settings;
  private final LockdProcesses cell; // null: given endpoints
  private final CellClient admin;
  private final List<String> launch;
  private final Path dir;
  private final PrintStream out;

  private ScaleBenchmark(
      Settings settings,
      LockdProcesses cell,
      CellClient admin,
      List<String> launch,
      Path dir,
      PrintStream out) {
    this.settings = settings;
    this.cell = cell;
    this.admin = admin;
    this.launch = launch;
    this.dir = dir;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Settings s = Settings.fromProperties();
    Path parent = Path.of(System.getProperty("scale.dir", System.getProperty("java.io.tmpdir")));
    Path dir = Files.createTempDirectory(parent, "lockd-scale-bench");
    // The whole heap committed and touched at start (docs/operations.md): a heap that grows while
    // a 100 MB snapshot is allocated page-faults inside an allocation no safepoint interrupts.
    List<String> jvm =
        List.of(
            System.getProperty(
                    "scale.jvm",
                    "-Xms3g -Xmx3g -XX:+AlwaysPreTouch -XX:MetaspaceSize=64m -XX:+UseG1GC"
                        + " -XX:MaxGCPauseMillis=50")
                .split(" "));
    List<String> launch =
        System.getProperty("scale.jar") == null && !Files.isRegularFile(defaultJar())
            ? LockdProcesses.fromTestClasspath(jvm)
            : LockdProcesses.fromJar(
                Path.of(System.getProperty("scale.jar", defaultJar().toString())), jvm);
    try {
      run(s, launch, dir, System.out);
    } finally {
      StackBenchmark.deleteTree(dir);
    }
    System.exit(0);
  }

  private static Path defaultJar() {
    return Path.of("lockd/target/lockd.jar").toAbsolutePath();
  }

  /** Runs every part at the given sizes, printing the figures to {@code out}. */
  static Outcome run(Settings s, List<String> launch, Path dir, PrintStream out) throws Exception {
    out.printf(
        "SCALE settings sessions=%d processes=%d seconds=%d lease-ms=%d keepalive=%s nodes=%d"
            + " content-bytes=%d cores=%d %s%n",
        s.sessions(),
        s.processes(),
        s.seconds(),
        s.leaseMillis(),
        System.getProperty("scale.keepalive", "batched"),
        s.nodes(),
        s.contentBytes(),
        Runtime.getRuntime().availableProcessors(),
        s.endpoints().isEmpty() ? "five lockd processes " + s.flags() : "cell " + s.endpoints());
    LockdProcesses cell = null;
    Map<Integer, String> addresses = new TreeMap<>();
    if (s.endpoints().isEmpty()) {
      cell = new LockdProcesses(5, dir.resolve("cell"), launch, s.flags());
      addresses.putAll(cell.clientAddresses());
    } else {
      for (int i = 0; i < s.endpoints().size(); i++) {
        addresses.put(i + 1, s.endpoints().get(i));
      }
    }
    try (LockdProcesses owned = cell;
        CellClient admin = new CellClient(addresses)) {
      if (owned != null) {
        owned.startAll();
      }
      admin.awaitLeaderId(60_000);
      ScaleBenchmark bench = new ScaleBenchmark(s, owned, admin, launch, dir, out);
      long[] sessionFigures = bench.sessions(addresses);
      long nodes = s.nodes() > 0 ? bench.nodes(addresses) : 0;
      return new Outcome(sessionFigures[0], sessionFigures[1], nodes);
    }
  }

  // ---- sessions --------------------------------------------------------------------------------

  /** {sessions created, spurious expiries}. */
  private long[] sessions(Map<Integer, String> addresses) throws Exception {
    try (BenchClient setup = new BenchClient(addresses, "scale-setup", "/scale")) {
      setup.create("/scale", NodeKind.NODE_KIND_DIRECTORY);
      setup.create("/scale/locks", NodeKind.NODE_KIND_DIRECTORY);
      for (int i = 0; i < LOCK_CLIENTS; i++) {
        setup.create(lockPath(i), NodeKind.NODE_KIND_FILE);
      }
    }
    boolean locks = settings.lockSeconds() > 0; // -Dscale.lockSeconds=0: sessions alone
    double without = 0;
    if (locks) {
      // Warm-up: fresh replicas reach their speed only after 30-50 s of load (JIT); a 5 s one left
      // the figure without sessions at half the one beside them (2026-12-07 03:28).
      lockPairs(addresses, Math.min(30, settings.lockSeconds()));
      without = lockPairs(addresses, settings.lockSeconds());
      out.printf(
          "SCALE lock-pairs-per-s without-sessions=%.0f loadavg=%s%n", without, LoadAverage.now());
    }
    long[] before = heaps();
    long[] leaderBefore = leaderAndBallot();

    List<ScaleSessionChild> children = new ArrayList<>();
    int per = settings.sessions() / settings.processes();
    long start = System.nanoTime();
    for (int p = 0; p < settings.processes(); p++) {
      int count = p == settings.processes() - 1 ? settings.sessions() - per * p : per;
      children.add(ScaleSessionChild.start(addresses, count, settings, "scale-p" + p, dir));
    }
    long created = 0;
    try {
      for (ScaleSessionChild c : children) {
        created += c.awaitCreated(TimeUnit.MINUTES.toMillis(30));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf(
          "SCALE sessions-created=%d in %.1f s: sessions-created-per-s=%.0f (from %d processes)"
              + " loadavg=%s%n",
          created, seconds, created / seconds, settings.processes(), LoadAverage.now());
      long holdEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.seconds());
      if (locks) {
        double with = lockPairs(addresses, settings.lockSeconds());
        out.printf(
            "SCALE lock-pairs-per-s with-%d-sessions=%.0f without=%.0f ratio=%.2f loadavg=%s%n",
            created, with, without, with / Math.max(1, without), LoadAverage.now());
      }
      long killAfter = Long.getLong("scale.killLeaderAfter", 0);
      if (killAfter > 0 && cell != null) {
        killLeader(holdEnd - TimeUnit.SECONDS.toNanos(settings.seconds()), killAfter);
      }
      long left = holdEnd - System.nanoTime();
      if (left > 0) {
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
      }
      long[] leaderAfter = leaderAndBallot();
      // Last, while the sessions still live: a full collection of the leader's heap (jcmd GC.run)
      // can outlast its lease, and the leader change it causes sends every session's stream to
      // reconnect (2026-12-07 03:44: five elections in a minute, measured as the lock figure).
      long[] after = heaps();
      if (before != null && after != null) {
        out.printf(
            "SCALE memory-per-session leader=%d B follower=%d B (heap after GC: leader %d -> %d"
                + " MiB, follower %d -> %d MiB; measured after the hold) loadavg=%s%n",
            (after[0] - before[0]) / Math.max(1, created),
            (after[1] - before[1]) / Math.max(1, created),
            before[0] >> 20,
            after[0] >> 20,
            before[1] >> 20,
            after[1] >> 20,
            LoadAverage.now());
      } else {
        out.printf("SCALE memory-per-session not measured (given endpoints: no pids)%n");
      }
      printLeaderKept(
          "sessions-leader-kept",
          leaderBefore,
          leaderAfter,
          "from before the sessions to the end of the hold");
    } finally {
      children.forEach(ScaleSessionChild::stop);
    }
    long expired = 0;
    long restarts = 0;
    for (ScaleSessionChild c : children) {
      long[] done = c.awaitDone(TimeUnit.MINUTES.toMillis(10));
      if (done[1] > 0) {
        out.printf("SCALE keepalive-reopen-reasons %s%n", c.reopenReasons);
      }
      expired += done[0];
      restarts += done[1];
    }
    out.printf(
        "SCALE spurious-expiries=%d (must be 0) over %d s with %d sessions; keepalive streams"
            + " reopened=%d loadavg=%s%n",
        expired, settings.seconds(), created, restarts, LoadAverage.now());
    return new long[] {created, expired};
  }

  /**
   * {@code -Dscale.killLeaderAfter=S}: {@code kill -9} of the leader S seconds into the hold, and
   * the time until a new leader serves; the sessions must all survive it (their KeepAlives move to
   * the new leader within its grace).
   */
  private void killLeader(long holdStart, long afterSeconds) throws Exception {
    long at = holdStart + TimeUnit.SECONDS.toNanos(afterSeconds);
    long wait = at - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
    }
    int old = admin.awaitLeaderId(CALL_MILLIS);
    long killed = System.nanoTime();
    cell.kill(old);
    int next = old;
    while (next == old && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(60)) {
      Thread.sleep(20);
      try {
        next = admin.awaitLeaderId(1_000);
      } catch (RuntimeException notYet) {
        next = old;
      }
    }
    out.printf(
        "SCALE failover kill-9 of leader %d %d s into the hold: leader %d reported after %d ms"
            + " loadavg=%s%n",
        old,
        afterSeconds,
        next,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed),
        LoadAverage.now());
  }

  /** {leader id, its ballot} as the cell reports them now. */
  private long[] leaderAndBallot() throws Exception {
    int leader = admin.awaitLeaderId(CALL_MILLIS);
    return new long[] {leader, admin.selfStatuses(1_000).get(leader).getBallot()};
  }

  private static String lockPath(int i) {
    return String.format("/scale/locks/own-%02d", i);
  }

  /** The uncontended workload: 8 clients, each acquiring and releasing its own lock; pairs/s. */
  private double lockPairs(Map<Integer, String> addresses, int seconds) throws Exception {
    List<BenchClient> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicLong pairs = new AtomicLong();
    List<Throwable> failures = new ArrayList<>();
    try {
      for (int i = 0; i < LOCK_CLIENTS; i++) {
        clients.add(new BenchClient(addresses, "scale-lock-" + i, lockPath(i)));
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      for (BenchClient c : clients) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    while (System.nanoTime() < end) {
                      c.acquire(0);
                      c.release();
                      pairs.incrementAndGet();
                    }
                  } catch (Exception | AssertionError e) {
                    synchronized (failures) {
                      failures.add(e);
                    }
                  }
                });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(seconds) + 2 * CALL_MILLIS);
      }
    } finally {
      clients.forEach(BenchClient::close);
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("the lock workload failed", failures.get(0));
    }
    return pairs.get() / (double) seconds;
  }

  // ---- nodes -----------------------------------------------------------------------------------

  private long nodes(Map<Integer, String> addresses) throws Exception {
    long[] leaderBefore = leaderAndBallot();
    long before = followerHeap();
    int n = settings.nodes();
    long start = System.nanoTime();
    createNodes(addresses, "n", n);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        "SCALE nodes-created=%d of %d B in %.1f s: nodes-created-per-s=%.0f loadavg=%s%n",
        n, settings.contentBytes(), seconds, n / seconds, LoadAverage.now());
    long after = followerHeap();
    if (before >= 0 && after >= 0) {
      // A follower only: every replica holds the same namespace, and a full collection of the
      // leader's gigabyte heap stops it for longer than its 300 ms lease (the measurement, not
      // lockd, would then move the leadership).
      out.printf(
          "SCALE memory-per-node follower=%d B (content %d B) loadavg=%s%n",
          (after - before) / Math.max(1, n), settings.contentBytes(), LoadAverage.now());
    }
    Path backup = dir.resolve("scale.snap");
    snapshotUnderWrites(addresses, backup);
    if (cell != null) {
      restore(backup);
      catchUp(addresses, Math.max(100, n / 10));
      catchUpNewReplica();
    }
    long[] leaderAfter = leaderAndBallot();
    printLeaderKept(
        "nodes-leader-kept",
        leaderBefore,
        leaderAfter,
        "from before the nodes through every step with them");
    return n;
  }

  /** One line: whether the leader and its ballot ({@link #leaderAndBallot}) stayed the same. */
  private void printLeaderKept(String figure, long[] before, long[] after, String window) {
    out.printf(
        "SCALE %s=%s leader %d ballot %s -> leader %d ballot %s (%s; the ballot's round counts"
            + " elections) loadavg=%s%n",
        figure,
        Arrays.equals(before, after) ? "yes" : "NO",
        before[0],
        Ballot.toString(before[1]),
        after[0],
        Ballot.toString(after[1]),
        window,
        LoadAverage.now());
  }

  /**
   * Creates {@code n} files of the configured size under /scale/PREFIX-dDDDD/, with {@code
   * -Dscale.writers} writers (8 by default; a million nodes want more, each has one call in
   * flight).
   */
  private void createNodes(Map<Integer, String> addresses, String prefix, int n) throws Exception {
    int writers = Integer.getInteger("scale.writers", LOCK_CLIENTS);
    int perDirectory = 1_000;
    ByteString contents = ByteString.copyFrom(new byte[settings.contentBytes()]);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    AtomicLong next = new AtomicLong();
    for (int w = 0; w < writers; w++) {
      BenchClient c = new BenchClient(addresses, "scale-writer-" + prefix + w, "/scale");
      Thread t =
          new Thread(
              () -> {
                try (c) {
                  for (long i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    String d = String.format("/scale/%s-d%05d", prefix, i / perDirectory);
                    if (i % perDirectory == 0) {
                      c.create(d, NodeKind.NODE_KIND_DIRECTORY);
                    }
                    try {
                      c.createFile(d + "/f" + (i % perDirectory), contents);
                    } catch (io.grpc.StatusRuntimeException e) {
                      if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                        throw e;
                      }
                      c.create(d, NodeKind.NODE_KIND_DIRECTORY); // another writer's, not yet made
                      c.createFile(d + "/f" + (i % perDirectory), contents);
                    }
                  }
                } catch (Exception | AssertionError e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("creating nodes failed", failures.get(0));
    }
  }

  /**
   * Saves a snapshot from the leader (as {@code lockctl snapshot save} does) while one client
   * writes; prints its size and time, the write p99 during it and just before, and whether the
   * leader kept its leadership (a snapshot that stalls the loop can cost it the lease).
   */
  private void snapshotUnderWrites(Map<Integer, String> addresses, Path backup) throws Exception {
    int leader = admin.awaitLeaderId(CALL_MILLIS);
    long ballot = admin.selfStatuses(1_000).get(leader).getBallot();
    AtomicBoolean stop = new AtomicBoolean();
    List<long[]> writes = new ArrayList<>(); // {start, end}
    List<Throwable> failures = new ArrayList<>();
    ByteString contents = ByteString.copyFrom(new byte[settings.contentBytes()]);
    BenchClient writer = new BenchClient(addresses, "scale-probe", "/scale");
    writer.create("/scale/probe", NodeKind.NODE_KIND_DIRECTORY);
    Thread t =
        new Thread(
            () -> {
              try {
                for (long i = 0; !stop.get(); i++) {
                  long s = System.nanoTime();
                  writer.createFile("/scale/probe/w" + i, contents);
                  synchronized (writes) {
                    writes.add(new long[] {s, System.nanoTime()});
                  }
                }
              } catch (Exception | AssertionError e) {
                synchronized (failures) {
                  failures.add(e);
                }
              }
            });
    t.start();
    long baselineStart = System.nanoTime();
    Thread.sleep(3_000);
    long snapStart = System.nanoTime();
    long bytes = saveSnapshot(backup);
    long snapEnd = System.nanoTime();
    Thread.sleep(500);
    stop.set(true);
    t.join(2 * CALL_MILLIS);
    writer.close();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("the probe writer failed", failures.get(0));
    }
    int leaderAfter = admin.awaitLeaderId(CALL_MILLIS);
    long ballotAfter = admin.selfStatuses(1_000).get(leaderAfter).getBallot();
    out.printf(
        "SCALE snapshot bytes=%d time=%d ms (SaveSnapshot from the leader, whole stream)"
            + " loadavg=%s%n",
        bytes, TimeUnit.NANOSECONDS.toMillis(snapEnd - snapStart), LoadAverage.now());
    out.printf(
        "SCALE write-p99 during-snapshot=%.1f ms (%d writes) before=%.1f ms (%d writes)"
            + " leader-kept=%s loadavg=%s%n",
        p99(writes, snapStart, snapEnd),
        count(writes, snapStart, snapEnd),
        p99(writes, baselineStart, snapStart),
        count(writes, baselineStart, snapStart),
        leader == leaderAfter && ballot == ballotAfter
            ? "yes"
            : "NO (leader " + leader + " -> " + leaderAfter + ")",
        LoadAverage.now());
  }

  /**
   * Writes the SaveSnapshot stream as {@code lockctl snapshot save} does; returns its data size.
   */
  private long saveSnapshot(Path file) throws Exception {
    long bytes = 0;
    try (OutputStream o = Files.newOutputStream(file)) {
      o.write("lockd-snapshot-v1\n".getBytes(StandardCharsets.US_ASCII));
      Iterator<SaveSnapshotResponse> parts =
          admin.call(
              ch ->
                  ClusterGrpc.newBlockingStub(ch)
                      .withDeadlineAfter(10, TimeUnit.MINUTES)
                      .saveSnapshot(SaveSnapshotRequest.getDefaultInstance()),
              CALL_MILLIS);
      while (parts.hasNext()) {
        SaveSnapshotResponse part = parts.next();
        bytes += part.getData().size();
        part.writeDelimitedTo(o);
      }
    }
    return bytes;
  }

  /** Times {@code lockd restore FILE --data-dir DIR} into a fresh directory. */
  private void restore(Path backup) throws Exception {
    List<String> command = new ArrayList<>(launch);
    command.addAll(
        List.of("restore", backup.toString(), "--data-dir", dir.resolve("restored").toString()));
    long start = System.nanoTime();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("restore.log").toFile())
            .start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("lockd restore did not finish within 30 minutes");
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "lockd restore failed ("
              + p.exitValue()
              + "): "
              + Files.readString(dir.resolve("restore.log")));
    }
    out.printf(
        "SCALE restore time=%d ms (lockd restore, a new JVM, from %d bytes) loadavg=%s%n",
        millis, Files.size(backup), LoadAverage.now());
  }

  /** Stops a follower, writes {@code writes} nodes, restarts it and times its catch-up. */
  private void catchUp(Map<Integer, String> addresses, int writes) throws Exception {
    int leader = admin.awaitLeaderId(CALL_MILLIS);
    int follower = leader % cell.size() + 1;
    cell.kill(follower);
    createNodes(addresses, "c", writes);
    long start = System.nanoTime();
    cell.start(follower);
    admin.awaitSameAppliedSlot(cell.size(), TimeUnit.MINUTES.toMillis(30));
    out.printf(
        "SCALE catch-up time=%d ms (replica %d restarted after %d writes while it was down,"
            + " JVM start included) loadavg=%s%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        follower,
        writes,
        LoadAverage.now());
  }

  /**
   * Adds a replica with an empty data directory as an operator would (AddMember, then {@code lockd
   * --join}) and times until it has applied what the others have: the whole namespace as a
   * snapshot, then the log after it. It stays a learner (it counts in no quorum) until the cell
   * stops.
   */
  private void catchUpNewReplica() throws Exception {
    List<Integer> members = new ArrayList<>(cell.clientAddresses().keySet());
    int id = members.stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
    cell.newMember(id);
    admin.call(
        ch ->
            ClusterGrpc.newBlockingStub(ch)
                .withDeadlineAfter(CALL_MILLIS, TimeUnit.MILLISECONDS)
                .addMember(
                    AddMemberRequest.newBuilder()
                        .setId(id)
                        .setPeerAddress(cell.peerAddress(id))
                        .setClientAddress(cell.clientAddresses().get(id))
                        .build()),
        CALL_MILLIS);
    long start = System.nanoTime();
    cell.startJoining(id, members);
    try (CellClient all = new CellClient(cell.clientAddresses())) {
      all.awaitSameAppliedSlot(members.size() + 1, TimeUnit.MINUTES.toMillis(30));
    }
    out.printf(
        "SCALE catch-up-new-replica time=%d ms (replica %d: empty data directory, added as a"
            + " learner, lockd --join, JVM start included, until it applied what the others had)"
            + " loadavg=%s%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), id, LoadAverage.now());
  }

  private static double p99(List<long[]> writes, long from, long to) {
    long[] lat;
    synchronized (writes) {
      lat =
          writes.stream()
              .filter(w -> w[1] > from && w[0] < to)
              .mapToLong(w -> w[1] - w[0])
              .sorted()
              .toArray();
    }
    return lat.length == 0
        ? Double.NaN
        : lat[(int) Math.min(lat.length - 1, Math.floor(0.99 * lat.length))] / 1e6;
  }

  private static long count(List<long[]> writes, long from, long to) {
    synchronized (writes) {
      return writes.stream().filter(w -> w[1] > from && w[0] < to).count();
    }
  }

  // ---- measuring -------------------------------------------------------------------------------

  /** {leader heap, a follower's heap} after a full GC, in bytes; null without processes. */
  private long[] heaps() throws Exception {
    if (cell == null) {
      return null;
    }
    int leader = admin.awaitLeaderId(CALL_MILLIS);
    int follower = leader % cell.size() + 1;
    while (!cell.alive(follower)) { // a replica killed by -Dscale.killLeaderAfter
      follower = follower % cell.size() + 1;
    }
    return new long[] {HeapProbe.afterGc(cell.pid(leader)), HeapProbe.afterGc(cell.pid(follower))};
  }

  /** A follower's heap after a full GC, in bytes; -1 without processes. */
  private long followerHeap() throws Exception {
    if (cell == null) {
      return -1;
    }
    int leader = admin.awaitLeaderId(CALL_MILLIS);
    return HeapProbe.afterGc(cell.pid(leader % cell.size() + 1));
  }
}
