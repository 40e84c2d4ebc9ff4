package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.client.CacheStats;
import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.FencingGuard;
import io.lockd.client.LeaderElection;
import io.lockd.client.LockClient;
import io.lockd.client.LockLossReason;
import io.lockd.client.LockdException;
import io.lockd.client.Sequencer;
import io.lockd.client.WatchEvent;
import io.lockd.client.WatchKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real five-replica cell of separate JVMs, with the leader killed (SIGKILL)
 * and restarted: fencing with paused clients, election failover with a killed client process,
 * watches across leader changes, and the consistent cache with a paused reader. Cell settings are
 * shortened for test time: session lease 3 s, lock-delay 0.5 s, new-leader grace 3 s.
 */
class FailoverTest {
  static final long SESSION_LEASE_MS = 3_000;
  static final long LOCK_DELAY_MS = 500;
  static final long GRACE_MS = 3_000;

  @TempDir static Path dir;
  static ProcessCell cell;

  @BeforeAll
  static void start() throws Exception {
    cell =
        new ProcessCell(
            5,
            dir.resolve("cell"),
            List.of(
                "--session-lease-ms", Long.toString(SESSION_LEASE_MS),
                "--lock-delay-ms", Long.toString(LOCK_DELAY_MS),
                "--grace-ms", Long.toString(GRACE_MS)));
    try (LockClient c = cell.clientBuilder().build()) {
      cell.awaitLeader(c, Duration.ofSeconds(90));
    }
  }

  @AfterAll
  static void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  /** Kills the leader, waits a little, starts it again; returns the killed id. */
  static int killAndRestartLeader(LockClient observer, Duration down) throws Exception {
    int leader = cell.awaitLeader(observer, Duration.ofSeconds(60));
    cell.kill(leader);
    Thread.sleep(down.toMillis());
    cell.start(leader);
    return leader;
  }

  /** The resource the lock protects: it admits writes through a fencing guard and keeps a log. */
  static final class Resource {
    private final FencingGuard guard = new FencingGuard();
    final List<long[]> accepted = new ArrayList<>(); // {generation, worker}
    int refused;

    synchronized boolean write(Sequencer s, int worker) {
      if (!guard.tryAdmit(s)) {
        refused++;
        return false;
      }
      accepted.add(new long[] {s.lockGeneration(), worker});
      return true;
    }
  }

  @Test
  void fencingHoldsThroughLeaderCrashesAndClientPauses() throws Exception {
    Resource resource = new Resource();
    AtomicBoolean stop = new AtomicBoolean();
    List<Freezer> freezers = new ArrayList<>();
    List<LockClient> clients = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    try (LockClient admin = cell.clientBuilder().build()) {
      admin.mkdirs("/fence");
      admin.createUnlessExists(
          "/fence/res", CreateOptions.file().lockDelay(Duration.ofMillis(LOCK_DELAY_MS)));
      for (int w = 0; w < 3; w++) {
        Freezer f = new Freezer();
        freezers.add(f);
        clients.add(
            cell.clientBuilder()
                .channelFactory(f.channels())
                .clientName("worker-" + w)
                .sessionLease(Duration.ofMillis(SESSION_LEASE_MS))
                .gracePeriod(Duration.ofSeconds(10))
                .build());
      }
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      for (int w = 0; w < 3; w++) {
        int id = w;
        Thread t =
            new Thread(
                () -> work(id, clients.get(id), freezers.get(id), resource, stop, failures),
                "worker-" + w);
        workers.add(t);
        t.start();
      }
      Thread.sleep(8_000); // pauses happen in this phase
      killAndRestartLeader(admin, Duration.ofSeconds(2));
      Thread.sleep(4_000);
      killAndRestartLeader(admin, Duration.ofSeconds(1));
      Thread.sleep(6_000);
      stop.set(true);
      for (Thread t : workers) {
        t.join(60_000);
        assertTrue(!t.isAlive(), t.getName() + " did not stop");
      }
      assertEquals(List.of(), failures);
    } finally {
      stop.set(true);
      freezers.forEach(Freezer::thaw);
      clients.forEach(LockClient::close);
    }
    synchronized (resource) {
      System.out.printf(
          "fencing: %d writes accepted, %d stale writes refused%n",
          resource.accepted.size(), resource.refused);
      assertTrue(
          resource.accepted.size() > 10, "the workload made progress: " + resource.accepted.size());
      assertTrue(
          resource.refused > 0,
          "a paused holder's late write reached the resource and was refused");
      Map<Long, Long> writerOfGeneration = new HashMap<>();
      long last = 0;
      for (long[] w : resource.accepted) {
        assertTrue(w[0] >= last, "accepted generations never decrease");
        last = w[0];
        Long other = writerOfGeneration.putIfAbsent(w[0], w[1]);
        assertTrue(other == null || other == w[1], "one holder per generation");
      }
    }
  }

  /**
   * A worker: takes the lock, writes a few times with its sequencer, releases. Worker 0 pauses
   * (frozen client, sleeping thread) right after checking that it holds the lock, for longer than
   * its lease: its late write must be refused once a successor has written.
   */
  private static void work(
      int id,
      LockClient client,
      Freezer freezer,
      Resource resource,
      AtomicBoolean stop,
      List<Throwable> failures) {
    int holds = 0;
    try {
      while (!stop.get()) {
        DistributedLock lock = client.lock("/fence/res");
        try {
          if (!lock.acquire(Duration.ofSeconds(5))) {
            continue;
          }
        } catch (LockdException e) {
          Thread.sleep(50); // the session expired or the cell is electing: try again
          continue;
        }
        holds++;
        Sequencer seq = lock.sequencer();
        for (int i = 0; i < 3 && !stop.get(); i++) {
          if (lock.isHeld() && id == 0 && (holds == 2 || holds == 5) && i == 1) {
            freezer.freeze();
            Thread.sleep(SESSION_LEASE_MS + 3_000);
            freezer.thaw();
          }
          resource.write(seq, id);
          Thread.sleep(20);
        }
        try {
          lock.release();
        } catch (LockdException e) {
          // lost meanwhile: nothing to release
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failures.add(t);
    }
  }

  /**
   * The consistent cache: readers that cache never return a value older than the newest write the
   * writer saw acknowledged when the read started, while one reader is paused past its lease
   * (writes then wait for its lease to run out) and while the leader is killed and restarted (the
   * new leader first waits for every caching session to empty its cache).
   */
  @Test
  void cachedReadsAreNeverOlderThanAnAcknowledgedWrite() throws Exception {
    String path = "/cache/value";
    AtomicLong acked = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<String> violations = new CopyOnWriteArrayList<>();
    Freezer paused = new Freezer();
    List<LockClient> readers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    try (LockClient writer = cell.clientBuilder().clientName("cache-writer").build()) {
      writer.mkdirs("/cache");
      writer.createUnlessExists(path, CreateOptions.file());
      writer.setContents(path, "0".getBytes(StandardCharsets.UTF_8));
      for (int r = 0; r < 3; r++) {
        LockClient.Builder b =
            cell.clientBuilder()
                .clientName("cache-reader-" + r)
                .cache(100)
                .sessionLease(Duration.ofMillis(SESSION_LEASE_MS))
                .gracePeriod(Duration.ofSeconds(10));
        readers.add((r == 0 ? b.channelFactory(paused.channels()) : b).build());
      }
      for (LockClient reader : readers) {
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    long floor = acked.get();
                    try {
                      long seen =
                          Long.parseLong(
                              new String(
                                  reader.getContents(path).contents(), StandardCharsets.UTF_8));
                      if (seen < floor && violations.size() < 10) {
                        violations.add("read " + seen + " after " + floor + " was acknowledged");
                      }
                      Thread.sleep(1);
                    } catch (LockdException e) {
                      // unavailable during a failover, or the session expired while paused: try
                      // again
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                },
                "cache-reader");
        threads.add(t);
        t.start();
      }
      Thread writerThread =
          new Thread(
              () -> {
                for (long n = 1; !stop.get(); n++) {
                  try {
                    writer.setContents(path, Long.toString(n).getBytes(StandardCharsets.UTF_8));
                    acked.set(n);
                    Thread.sleep(5);
                  } catch (LockdException e) {
                    // outcome unknown (failover): the next value is larger either way
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "cache-writer");
      threads.add(writerThread);
      writerThread.start();

      Thread.sleep(2_000);
      paused.freeze(); // reader 0 stops with the file cached, past its lease
      Thread.sleep(SESSION_LEASE_MS + 1_500);
      paused.thaw();
      Thread.sleep(2_000);
      killAndRestartLeader(writer, Duration.ofSeconds(1));
      Thread.sleep(4_000);
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
        assertTrue(!t.isAlive(), t.getName() + " did not stop");
      }
      System.out.printf(
          "cache: %d writes acknowledged; readers: %s%n",
          acked.get(), readers.stream().map(LockClient::cacheStats).toList());
      assertEquals(List.of(), violations);
      assertTrue(acked.get() > 20, "the writer made progress: " + acked.get());
      for (LockClient reader : readers) {
        CacheStats stats = reader.cacheStats();
        assertTrue(stats.hits() > 0, "reads were served from the cache: " + stats);
        assertTrue(stats.invalidations() > 0, "the leader invalidated cached entries: " + stats);
      }
    } finally {
      stop.set(true);
      paused.thaw();
      readers.forEach(LockClient::close);
    }
  }

  @Test
  void electionFailsOverWhenTheLeaderProcessIsKilled() throws Exception {
    try (LockClient observerClient = cell.clientBuilder().build();
        LockClient candidateClient = cell.clientBuilder().clientName("candidate-b").build()) {
      observerClient.mkdirs("/election");
      observerClient.createUnlessExists(
          "/election/it", CreateOptions.file().lockDelay(Duration.ofMillis(LOCK_DELAY_MS)));
      List<Optional<LeaderElection.Leader>> seen = new CopyOnWriteArrayList<>();
      try (AutoCloseable o = LeaderElection.observe(observerClient, "/election/it", seen::add)) {
        // Candidate A: a separate client process that leads until it is killed.
        List<String> cmd = new ArrayList<>(ProcessCell.javaCommand());
        cmd.addAll(
            List.of(
                ElectionCandidate.class.getName(),
                "/election/it",
                String.join(",", cell.endpoints())));
        Process a =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("candidate-a.log").toFile())
                .start();
        try {
          awaitTrue(
              "A leads", Duration.ofSeconds(60), () -> seen.stream().anyMatch(Optional::isPresent));
          long aSession =
              seen.stream().filter(Optional::isPresent).findFirst().orElseThrow().get().sessionId();

          List<String> heard = new CopyOnWriteArrayList<>();
          LeaderElection b =
              new LeaderElection(
                  candidateClient,
                  "/election/it",
                  new LeaderElection.Listener() {
                    @Override
                    public void onElected(Sequencer proof) {
                      heard.add("elected");
                    }

                    @Override
                    public void onRevoked(LockLossReason reason) {
                      heard.add("revoked " + reason);
                    }
                  });
          CompletableFuture<Sequencer> bElected = b.campaignAsync();
          awaitTrue(
              "B queued",
              Duration.ofSeconds(30),
              () -> observerClient.lockInfo("/election/it").waiters().size() == 1);
          long killedAt = System.nanoTime();
          ProcessCell.kill(a);
          Sequencer proof =
              bElected.get(
                  SESSION_LEASE_MS + LOCK_DELAY_MS + GRACE_MS + 30_000, TimeUnit.MILLISECONDS);
          long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
          System.out.printf(
              "election failover: B elected %d ms after A was killed (lease %d ms, lock-delay %d ms)%n",
              tookMs, SESSION_LEASE_MS, LOCK_DELAY_MS);
          assertEquals(candidateClient.session().id(), proof.sessionId());
          awaitTrue(
              "observer saw B",
              Duration.ofSeconds(30),
              () ->
                  seen.stream()
                      .anyMatch(l -> l.isPresent() && l.get().sessionId() == proof.sessionId()));
          long lastGeneration = 0;
          List<Long> leaders = new ArrayList<>();
          for (Optional<LeaderElection.Leader> l : seen) {
            if (l.isPresent()) {
              assertTrue(
                  l.get().sequencer().lockGeneration() > lastGeneration,
                  "leaders in order: " + seen);
              lastGeneration = l.get().sequencer().lockGeneration();
              leaders.add(l.get().sessionId());
            }
          }
          assertEquals(
              List.of(aSession, proof.sessionId()), leaders, "every leader, once, in order");
          b.close();
          assertEquals("elected", heard.get(0));
        } finally {
          ProcessCell.kill(a);
        }
      }
    }
  }

  @Test
  void watchesSeeEveryChangeAcrossLeaderFailover() throws Exception {
    try (LockClient writer = cell.clientBuilder().clientName("writer").build();
        LockClient watcher = cell.clientBuilder().clientName("watcher").build()) {
      writer.mkdirs("/watched");
      writer.createUnlessExists("/watched/v", CreateOptions.file());
      long start = writer.stat("/watched/v").contentGeneration();
      List<Long> seen = new CopyOnWriteArrayList<>();
      watcher.watch(
          "/watched/v",
          WatchKind.CONTENTS,
          e -> {
            if (e.type() == WatchEvent.Type.CONTENTS_CHANGED) {
              seen.add(e.contentGeneration());
            } else {
              seen.add(-1L); // RESYNC or anything unexpected shows up in the comparison
            }
          });
      int writes = 60;
      for (int i = 1; i <= writes; i++) {
        writer.setContents("/watched/v", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        if (i == 20 || i == 40) {
          killAndRestartLeader(writer, Duration.ofMillis(500));
        }
      }
      awaitTrue("every change seen", Duration.ofSeconds(60), () -> seen.size() >= writes);
      List<Long> expected = new ArrayList<>();
      for (long g = start + 1; g <= start + writes; g++) {
        expected.add(g);
      }
      assertEquals(expected, seen);
    }
  }

  static void awaitTrue(String what, Duration bound, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + bound.toSeconds() + " s: " + what);
      }
      Thread.sleep(20);
    }
  }
}
