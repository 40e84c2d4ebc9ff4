package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.FreePorts;
import io.lockd.testing.InJvmCell;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's Prometheus sees at {@code --metrics-addr}: a real scrape of every replica of a
 * working cell, in the text format, with the figures that say what the cell is doing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");

  private InJvmCell cell;
  private LockdServer leader;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @TempDir Path dir;

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    Iterator<Integer> metricsPorts = FreePorts.distinct(3).iterator();
    cell =
        InJvmCell.builder()
            .size(3)
            .dataRoot(data)
            // A snapshot every 2 slots, so that the setup's commands take one on every replica.
            // The replicas' metrics ports picked together, so that they are distinct (picked one
            // replica at a time, the same free port can come back twice).
            .settings(
                b -> b.metricsListen("127.0.0.1:" + metricsPorts.next()).snapshotEverySlots(2))
            .start();
    leader = cell.awaitLeader();
    long session =
        SessionGrpc.newBlockingStub(cell.channel(leader))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setClientName("metrics").build())
            .getSessionId();
    NodeGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session, 1))
                .setPath("/metrics-lock")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    LockGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .acquire(
            AcquireRequest.newBuilder()
                .setHeader(header(session, 2))
                .setPath("/metrics-lock")
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                .build());
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  private static RequestHeader header(long session, long sequence) {
    return RequestHeader.newBuilder().setSessionId(session).setSequence(sequence).build();
  }

  private String scrape(LockdServer server) throws Exception {
    int port = server.metrics().port();
    assertTrue(port > 0, "replica " + server.selfId() + " serves no metrics");
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  @Test
  void theLeaderReportsItsRoleTheNamespaceTheLogAndItsCalls() throws Exception {
    String text = scrape(leader);
    assertSample(text, "lockd_replica_role{role=\"leader\"}", 1);
    assertSample(text, "lockd_serving", 1);
    assertSample(text, "lockd_sessions", 1);
    assertSample(text, "lockd_locks_held", 1);
    assertSample(text, "lockd_ballot_replica", leader.selfId());
    assertTrue(value(text, "lockd_applied_slot") >= 3, text);
    assertTrue(value(text, "lockd_log_syncs_total") >= 1, text);
    assertTrue(value(text, "lockd_log_sync_duration_seconds_count") >= 1, text);
    assertTrue(
        value(text, "lockd_grpc_requests_total{code=\"OK\",method=\"lockd.v1.Lock/Acquire\"}") >= 1,
        text);
    assertTrue(
        value(
                text,
                "lockd_grpc_request_duration_seconds_count{method=\"lockd.v1.Session/CreateSession\"}")
            >= 1,
        text);
    assertTrue(text.contains("\njvm_memory_used_bytes{"), "JVM metrics are exported");
    assertTrue(value(text, "lockd_log_bytes") > 0, "the acceptor log's segments have a size");
    assertSample(text, "lockd_cache_invalidations_pending", 0);
    // The session, the node and the lock: three commands proposed here, each timed to its result.
    assertTrue(value(text, "lockd_proposals_total{outcome=\"applied\"}") >= 3, text);
    assertTrue(value(text, "lockd_commit_duration_seconds_count") >= 3, text);
    assertTrue(
        value(text, "lockd_snapshot_duration_seconds_count{kind=\"take\"}") >= 1,
        "the snapshot the setup's slots caused is timed:\n" + text);
    LockdServer follower = cell.follower(leader);
    assertTrue(
        value(text, "lockd_peer_sent_bytes_total{peer=\"" + follower.selfId() + "\"}") > 0, text);
    assertTrue(
        value(text, "lockd_peer_received_bytes_total{peer=\"" + follower.selfId() + "\"}") > 0,
        text);
  }

  @Test
  void aFollowerReportsItsRoleAndTheLeadersBallot() throws Exception {
    LockdServer follower = cell.follower(leader);
    String text = scrape(follower);
    assertSample(text, "lockd_replica_role{role=\"follower\"}", 1);
    assertSample(text, "lockd_serving", 0);
    assertSample(text, "lockd_ballot_replica", leader.selfId());
    assertTrue(value(text, "lockd_peer_connected{peer=\"" + leader.selfId() + "\"}") == 1, text);
  }

  /**
   * Prometheus' conventions, checked on every replica's scrape: every family has HELP and TYPE,
   * counters end in _total, names are lower-case snake case, and every sample line parses. Also
   * {@code promtool check metrics} when promtool is installed (Debian: the prometheus package).
   */
  @Test
  void everyScrapeFollowsPrometheusConventions() throws Exception {
    // Scraped under load, as Prometheus would scrape a busy cell: histograms and counters move.
    double committedBefore = value(scrape(leader), "lockd_commit_duration_seconds_count");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger progress = new AtomicInteger();
    ExecutorService load = Executors.newFixedThreadPool(4);
    List<Future<Integer>> pairs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int client = i;
      pairs.add(load.submit(() -> lockPairs("/load-" + client, stop, progress)));
    }
    List<String> scrapes = new ArrayList<>();
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (progress.get() < 40 && System.nanoTime() < until && !anyDone(pairs)) {
        Thread.sleep(10);
      }
      for (LockdServer server : cell.servers()) {
        scrapes.add(scrape(server));
      }
    } finally {
      stop.set(true);
      load.shutdown();
    }
    int done = 0;
    for (Future<Integer> f : pairs) {
      done += f.get(30, TimeUnit.SECONDS);
    }
    assertTrue(done > 0, "the load ran no lock pair");
    assertTrue(
        value(scrape(leader), "lockd_commit_duration_seconds_count") >= committedBefore + 2 * done,
        "every acquire and release of the load was timed");
    for (String text : scrapes) {
      Set<String> typed = new HashSet<>();
      Set<String> helped = new HashSet<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          String[] f = line.split(" ");
          typed.add(f[2]);
          if (f[3].equals("counter")) {
            assertTrue(f[2].endsWith("_total"), "a counter's name ends in _total: " + line);
          }
        } else if (line.startsWith("# HELP ")) {
          helped.add(line.split(" ")[2]);
        } else if (!line.isBlank() && !line.startsWith("#")) {
          Matcher m = SAMPLE.matcher(line);
          assertTrue(m.matches(), "unparseable sample: " + line);
          if (m.group(1).startsWith("lockd_")) {
            assertTrue(m.group(1).matches("[a-z0-9_]+"), "not snake case: " + line);
          }
        }
      }
      assertEquals(typed, helped, "every family has both HELP and TYPE");
      promtool(text);
    }
  }

  /**
   * Acquires and releases the lock on {@code path} in its own session until {@code stop} (at most
   * 20 s and 5,000 pairs), counting each pair in {@code progress}; returns the pairs done.
   */
  private int lockPairs(String path, AtomicBoolean stop, AtomicInteger progress) {
    var session = SessionGrpc.newBlockingStub(cell.channel(leader));
    var locks = LockGrpc.newBlockingStub(cell.channel(leader));
    long id =
        session
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setClientName(path).build())
            .getSessionId();
    long sequence = 1;
    NodeGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(id, sequence++))
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int pairs = 0;
    while (!stop.get() && pairs < 5_000 && System.nanoTime() < deadline) {
      locks
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .acquire(
              AcquireRequest.newBuilder()
                  .setHeader(header(id, sequence++))
                  .setPath(path)
                  .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                  .build());
      locks
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .release(
              ReleaseRequest.newBuilder().setHeader(header(id, sequence++)).setPath(path).build());
      pairs++;
      progress.incrementAndGet();
    }
    // Closed, so that the other tests find the cell as the setup left it.
    session
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .closeSession(CloseSessionRequest.newBuilder().setHeader(header(id, sequence)).build());
    return pairs;
  }

  private static boolean anyDone(List<Future<Integer>> futures) {
    return futures.stream().anyMatch(Future::isDone);
  }

  /** The dashboard in deploy/grafana/ asks only for metrics a replica exports. */
  @Test
  void theGrafanaDashboardNamesOnlyExportedMetrics() throws Exception {
    String dashboard = Files.readString(Path.of("..", "deploy", "grafana", "lockd.json"));
    String text = scrape(leader);
    Matcher m = Pattern.compile("\\b((?:lockd|jvm)_[a-z0-9_]+)").matcher(dashboard);
    int named = 0;
    while (m.find()) {
      String name = m.group(1);
      named++;
      assertTrue(
          text.contains("\n" + name + " ") || text.contains("\n" + name + "{"),
          "the dashboard asks for " + name + ", which no replica exports");
    }
    assertTrue(named >= 10, "the dashboard names " + named + " metrics");
  }

  private void promtool(String text) throws IOException, InterruptedException {
    boolean installed = false;
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      installed |= !d.isEmpty() && Files.isExecutable(Path.of(d, "promtool"));
    }
    assumeTrue(installed, "promtool is not installed: the scrape was not checked with it");
    Path scrape = Files.writeString(Files.createTempFile(dir, "scrape", ".txt"), text);
    Path out = dir.resolve("promtool.out");
    Process p =
        new ProcessBuilder("promtool", "check", "metrics")
            .redirectInput(scrape.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish within 60 s");
    String said = Files.readString(out);
    assertEquals(0, p.exitValue(), "promtool check metrics: " + said);
    assertEquals("", said.strip(), "promtool check metrics found problems");
  }

  private static void assertSample(String text, String sample, double expected) {
    assertEquals(expected, value(text, sample), sample + " in:\n" + text);
  }

  /** The value of the sample whose name and labels are exactly {@code sample}. */
  private static double value(String text, String sample) {
    for (String line : text.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim().split(" ")[0]);
      }
    }
    throw new AssertionError("no sample " + sample + " in:\n" + text);
  }
}
