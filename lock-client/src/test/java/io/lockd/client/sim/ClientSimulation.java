package io.lockd.client.sim;

import io.lockd.client.AsyncLockClient;
import io.lockd.client.CreateOptions;
import io.lockd.client.LockClient;
import io.lockd.client.Session;
import io.lockd.client.SimClients;
import io.lockd.namespace.Namespace;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.ServerConfig;
import io.lockd.server.ServerEvents;
import io.lockd.sim.ChecksumChecker;
import io.lockd.sim.EventQueue;
import io.lockd.sim.LockCheckers;
import io.lockd.sim.LockHost;
import io.lockd.sim.SimCell;
import io.lockd.sim.SimReconfiguration;
import io.lockd.sim.SimReplica;
import io.lockd.sim.SimResource;
import io.lockd.sim.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The real client library under the deterministic simulation. Five replicas run the production
 * consensus driver, namespace, {@code CellServer} and gRPC service adapters ({@link SimCell},
 * {@link LockHost}); four application processes each run an unmodified {@link LockClient} (leader
 * routing, retries with exactly-once sequence numbers, KeepAlive stream, local lease, jeopardy and
 * expiry, {@code DistributedLock}) whose two threads are lanes of the simulation's one event queue,
 * whose clock is a drifting machine clock, and whose gRPC channels are carried by the simulated
 * {@link ClientNetwork}. Everything follows from the seed; nothing runs on another thread.
 *
 * <p>Faults, for {@value #SAFETY_MILLIS} ms: the cell's own (crashes and restarts, power loss,
 * replica pauses, partitions between replicas, clock-rate changes, lossy and slow links between
 * replicas) and the clients' (a process paused like a stop-the-world GC, past its lease at times; a
 * client cut off from some or all replicas; lost packets that reset or silence a call; client clock
 * rates changing within the drift bound; the serving leader crashed), and membership changes
 * ({@link SimReconfiguration}: fresh replicas added as learners and promoted once caught up, voters
 * removed, the leader among them, which hands over, and crashed ones replaced). The clients are
 * configured with the client address of every id the cell may use, as with the names of a fixed set
 * of hosts; an address with no process refuses calls. Then everything heals and every client must
 * acquire a lock again, the applications stop, the replicas converge, and the clients close their
 * sessions, all within bounds.
 *
 * <p>Checked throughout (each a {@link Violation} that ends the run and prints its replay command):
 *
 * <ul>
 *   <li>{@link LockCheckers}, on every command each replica applies: an exclusive lock has one
 *       holder, and each lock generation belongs to one session; nobody is granted a lock within
 *       the lock-delay after its holder's session expired (leader time); a session's ephemeral
 *       nodes are gone when it ends;
 *   <li>the fenced resource ({@link SimResource}): the generations it admits per lock never go
 *       back, one generation never comes from two sessions, and it never has to refuse a holder
 *       whose client, running and caught up after any pause, still says {@code isHeld()} for that
 *       grant (see {@link SimApp});
 *   <li>{@code AclChecker} (part of {@link LockCheckers}), on every command each replica applies:
 *       each client is authenticated as its own identity, and its {@link AclProbes} change ACLs and
 *       the one group at random under /acl; no command succeeds that the ACLs in force at its index
 *       did not allow, none is refused that they did allow, and no session answers to an identity
 *       other than its creator;
 *   <li>{@link ChecksumChecker}, after every step: running replicas at equal applied slots hold
 *       namespaces with equal checksums;
 *   <li>the consensus checks of {@link SimCell}, after every step: lease safety, promises kept,
 *       agreement on chosen slots, message ranges; and no ERROR line logged, no exception thrown
 *       out of the system under test ({@link Violation#findIn});
 *   <li>what the real client delivers to the application through its public watch API ({@link
 *       EventOrder}, on three watches per session: the data node, a lock, the ephemeral folder):
 *       each watch's indexes grow, no event twice, content generations without a gap unless a
 *       RESYNC says events were dropped, nothing after WATCH_ENDED;
 *   <li>the clients' own claims: when a leader proposes to expire a session, no running client may
 *       still call it CONNECTED or say it holds a lock in it ({@link SimApp#checkNotClaiming}); no
 *       read, cached or not, is older than a write acknowledged before it began; no INTERNAL or
 *       UNKNOWN answer, no client loop task that throws;
 *   <li>liveness after the faults: every client acquires a lock again, the applications go idle,
 *       the replicas converge, and every session is closed, each within a bound.
 * </ul>
 *
 * <p>Sessions fall silent long enough to expire: a process paused past its lease (a fault, or a
 * pause at the worst moment, right after deciding to use the resource), or cut off from the
 * replicas; {@link Result#expiries} counts the sessions a leader decided to expire.
 *
 * <p>This simulation took over from lockd-testing's own lock simulation (five replicas, the same
 * cell faults, a client re-implemented on the server's internal API), and checks all it checked:
 * the lock checkers, the fenced resource, state checksums at equal slots after every step, the
 * consensus checks, the per-session event order its client checked on the raw KeepAlive stream
 * (here on what the real client delivers per watch: the client promises order per watch, not across
 * watches, since a watch whose answer came late is owed older events), expiries of silent sessions
 * (its client's lease view at an expiry is here the client's own state, above), and its two fault
 * hooks: a {@link ServerEvents} given to every replica's server and an injected divergence.
 *
 * <p>Run more seeds: {@code ./mvnw -B -q test -pl lock-client -am -Dtest=ClientSimulationTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsim.clientSeeds=500}; replay one with {@code
 * -Dsim.clientSeed=S} (prints the run's result; add {@code -Dsim.trace=true} for its story: every
 * message a client sends or receives, the applications' steps, the faults, expiry proposals).
 */
final class ClientSimulation {
  record Result(
      long seed,
      long steps,
      long messages,
      long acquired,
      long sessions,
      long refused,
      long reads,
      long cacheHits,
      long pauses,
      long expiries,
      long events,
      long resyncs,
      long aclAllowed,
      long aclDenied,
      long membershipChanges,
      long handovers,
      long hash,
      String violation) {}

  static final long SAFETY_MILLIS = 15_000;
  private static final long LIVENESS_MILLIS = 60_000;
  private static final long WIND_DOWN_MILLIS = 30_000;
  private static final long LOCK_DELAY_MILLIS = 1_000;
  private static final long LEASE_MILLIS = 2_000;
  private static final int REPLICAS = 5;
  static final int CLIENTS = 4;

  private final long seed;
  private final SimCell cell;
  private final EventQueue events;
  private final LockCheckers checkers;
  private final SimResource resource = new SimResource();
  private final SplittableRandom random;
  private final Trace trace = new Trace();
  private final ClientNetwork network;
  private final List<SimApp> apps = new ArrayList<>();
  private final SimApp.Acknowledged acknowledged = new SimApp.Acknowledged();
  private final ChecksumChecker states = new ChecksumChecker();
  private final TreeSet<Long> expired = new TreeSet<>();
  private final boolean injectDivergence;
  private final SimReconfiguration reconfiguration;
  private boolean faultsOn = true;

  ClientSimulation(long seed) {
    this(seed, ServerEvents.NONE, false);
  }

  /**
   * @param serverEvents told of every replica's server moments (tests inject faults there: a throw,
   *     an ERROR line)
   * @param injectDivergence halfway through the faulty phase, one running replica applies a command
   *     nobody chose (the harness does it to its namespace): the state checker must notice. Such a
   *     run keeps its membership, so that the corrupted replica is not removed and retired before
   *     another one applies the same slots to compare with
   */
  ClientSimulation(long seed, ServerEvents serverEvents, boolean injectDivergence) {
    this.seed = seed;
    this.injectDivergence = injectDivergence;
    EventQueue[] queue = new EventQueue[1];
    LockCheckers[] check = new LockCheckers[1];
    ServerConfig server = ServerConfig.defaults().withGraceMillis(1_000);
    this.cell =
        SimCell.withReconfiguration(
            seed,
            REPLICAS,
            new ReplicaOptions(3_000, 200),
            id -> () -> new LockHost(id, check[0], queue[0], server, serverEvents));
    this.reconfiguration = new SimReconfiguration(cell, seed, REPLICAS);
    this.events = cell.events;
    queue[0] = events;
    this.checkers = new LockCheckers(SimApp.LOCKS, LOCK_DELAY_MILLIS);
    check[0] = checkers;
    this.random = cell.random.split();
    this.network = new ClientNetwork(events, random.split(), cell, CLIENTS, trace);
    for (int c = 1; c <= CLIENTS; c++) {
      MachineClock clock = new MachineClock(events, random.split(), cell.plan.clockDrift);
      ClientProcess process = new ClientProcess(c, events, random.split(), clock, trace);
      int id = c;
      LockClient client =
          SimClients.build(
              LockClient.builder()
                  .endpoints(network.addresses())
                  .clientName("sim-" + c)
                  .channelFactory(network.channels(process))
                  .sessionLease(Duration.ofMillis(LEASE_MILLIS))
                  .attemptTimeout(Duration.ofMillis(500))
                  .operationTimeout(Duration.ofSeconds(5))
                  .gracePeriod(Duration.ofSeconds(3))
                  .clockDriftBound(SimCell.DRIFT_BOUND)
                  .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
                  .cache(c > CLIENTS / 2 ? 16 : 0),
              process.loopTasks,
              process.callbacks,
              clock,
              t -> trace.fail("client " + id + ": a task on its loop threw " + t),
              random.nextLong());
      SimApp app =
          new SimApp(
              c, process, client, events, random.split(), resource, checkers, trace, acknowledged);
      app.reader = c > CLIENTS / 2;
      app.gcPause =
          () -> {
            if (faultsOn && random.nextInt(40) == 0) {
              pause(app);
            }
          };
      apps.add(app);
    }
    checkers.onExpiryProposed =
        session -> {
          expired.add(session);
          trace.log(events.nowMicros(), "a leader proposes to expire session " + session);
          apps.forEach(a -> a.checkNotClaiming(session));
        };
    cell.afterStep =
        () -> {
          states.check(cell.replicas);
          if (trace.violation() != null) {
            throw new Violation(trace.violation());
          }
        };
  }

  Result run() {
    return result(Violation.findIn(this::play));
  }

  /** The run itself; a checker throws {@link Violation}. */
  private void play() {
    cell.start();
    bootstrap();
    if (injectDivergence) {
      events.after(SAFETY_MILLIS * 500, this::corruptOne);
    }
    scheduleClientFault();
    if (!injectDivergence) {
      reconfiguration.start();
    }
    apps.forEach(SimApp::start);
    cell.runUntil(events.nowMicros() + SAFETY_MILLIS * 1000);
    heal();
    apps.forEach(SimApp::mark);
    runUntil(
        () -> apps.stream().allMatch(a -> a.acquiredSinceMark > 0),
        LIVENESS_MILLIS,
        "liveness: not every client acquired a lock");
    apps.forEach(SimApp::stop);
    runUntil(
        () -> apps.stream().allMatch(SimApp::idle) && converged(),
        WIND_DOWN_MILLIS,
        "liveness: applications still busy or replicas diverged");
    closeSessions();
    runUntil(
        this::noSessionsLeft,
        WIND_DOWN_MILLIS,
        "liveness: sessions left in the cell after every client closed its own");
    for (SimReplica r : cell.active()) {
      Namespace ns = namespace(r);
      trace.add(r.id, ns.appliedIndex(), ns.stateChecksum());
    }
  }

  private Result result(String violation) {
    return new Result(
        seed,
        events.executed(),
        network.messages,
        apps.stream().mapToLong(a -> a.acquired).sum(),
        apps.stream().mapToLong(SimApp::sessions).sum(),
        apps.stream().mapToLong(a -> a.refused).sum(),
        apps.stream().mapToLong(a -> a.reads).sum(),
        apps.stream().mapToLong(a -> a.client.cacheStats().hits()).sum(),
        apps.stream().mapToLong(a -> a.process.pauses()).sum(),
        expired.size(),
        apps.stream().mapToLong(a -> a.watchEvents()[0]).sum(),
        apps.stream().mapToLong(a -> a.watchEvents()[1]).sum(),
        checkers.acl.allowed,
        checkers.acl.denied,
        reconfiguration.changesApplied(),
        cell.handovers(),
        trace.hash(),
        violation);
  }

  private void runUntil(BooleanSupplier done, long boundMillis, String failure) {
    long deadline = events.nowMicros() + boundMillis * 1000;
    while (!done.getAsBoolean() && events.nowMicros() < deadline) {
      cell.runUntil(Math.min(deadline, events.nowMicros() + 50_000));
    }
    if (!done.getAsBoolean()) {
      throw new Violation(failure + " within " + boundMillis + " ms: " + describe());
    }
  }

  // ---- set-up -----------------------------------------------------------------------------------

  /** The lock nodes, the data node and the folder for ephemeral nodes, made by a real client. */
  private void bootstrap() {
    AsyncLockClient async = apps.get(0).client.async();
    boolean[] made = new boolean[1];
    boolean[] trying = new boolean[1];
    long deadline = events.nowMicros() + 60_000_000;
    while (!made[0] && events.nowMicros() < deadline) {
      if (!trying[0]) {
        trying[0] = true;
        CompletableFuture<?> chain = async.mkdirs("/locks");
        for (String lock : SimApp.LOCKS) {
          chain =
              chain.thenCompose(
                  x ->
                      async.createUnlessExists(
                          lock,
                          CreateOptions.file().lockDelay(Duration.ofMillis(LOCK_DELAY_MILLIS))));
        }
        chain
            .thenCompose(x -> async.mkdirs("/data"))
            .thenCompose(x -> async.createUnlessExists(SimApp.DATA, CreateOptions.file()))
            .thenCompose(x -> async.mkdirs("/eph"))
            .thenCompose(x -> AclProbes.bootstrap(async))
            .whenComplete(
                (x, error) -> {
                  trying[0] = false;
                  made[0] = error == null;
                });
      }
      cell.runUntil(events.nowMicros() + 50_000);
    }
    if (!made[0]) {
      throw new Violation("liveness: the real client could not create the lock nodes in 60 s");
    }
  }

  /** Injected divergence: one running replica's namespace changes behind the log's back. */
  private void corruptOne() {
    for (SimReplica r : cell.replicas) {
      if (r.isUp() && r.replica().appliedIndex() > 0 && r.host() instanceof LockHost host) {
        host.corrupt();
        return;
      }
    }
  }

  // ---- the clients' faults ----------------------------------------------------------------------

  private void scheduleClientFault() {
    long gap = 1 + random.nextLong(cell.plan.meanFaultGapMillis * 2);
    events.after(
        gap * 1000,
        () -> {
          if (faultsOn) {
            injectClientFault();
            scheduleClientFault();
          }
        });
  }

  private void injectClientFault() {
    SimApp app = apps.get(random.nextInt(apps.size()));
    int kind = random.nextInt(6);
    trace.add("fault", kind, app.id);
    trace.log(events.nowMicros(), "client fault " + kind + " on client " + app.id);
    switch (kind) {
      case 0 -> pause(app);
      case 1 -> {
        for (SimReplica r : cell.replicas) {
          if (random.nextBoolean()) {
            network.cut(app.id, r.id);
          }
        }
        healClientsLater();
      }
      case 2 -> {
        for (SimReplica r : cell.replicas) {
          network.cut(app.id, r.id);
        }
        healClientsLater();
      }
      case 3 -> app.process.clock.changeRate();
      case 4 -> {
        SimReplica leader = cell.servingLeader();
        if (leader != null) {
          leader.crash();
          events.after(
              random.nextLong(1, cell.plan.maxDownMillis) * 1000, () -> cell.restart(leader));
        }
      }
      default -> {} // a quiet spell
    }
  }

  /** A stop-the-world pause of the process, past its lease at times. */
  private void pause(SimApp app) {
    long micros = random.nextLong(50_000, LEASE_MILLIS * 2_500);
    trace.log(events.nowMicros(), "client " + app.id + " pauses for " + micros + "us");
    app.process.pause(micros);
  }

  private void healClientsLater() {
    events.after(
        random.nextLong(1, cell.plan.maxPartitionMillis) * 1000,
        () -> {
          if (faultsOn) {
            network.healAll();
          }
        });
  }

  private void heal() {
    faultsOn = false;
    reconfiguration.stop();
    cell.heal();
    network.calm();
    for (SimApp a : apps) {
      a.process.resume();
    }
  }

  // ---- the end ----------------------------------------------------------------------------------

  private void closeSessions() {
    for (SimApp a : apps) {
      Session s = a.session();
      if (s != null) {
        s.closeAsync();
      }
    }
  }

  private boolean noSessionsLeft() {
    for (SimApp a : apps) {
      if (a.session() != null) {
        return false;
      }
    }
    for (SimReplica r : cell.active()) {
      if (namespace(r).listSessions().getSessionsCount() > 0) {
        return false;
      }
    }
    return converged();
  }

  /**
   * Every replica of the cell applied the same slots into the same state. A replica the cell no
   * longer contains is retired first (a change chosen just before the faults stopped may land
   * late), and a removed leader's successor must be serving: the retired one may have been alone in
   * applying its last slots.
   */
  private boolean converged() {
    reconfiguration.settle();
    SimReplica leader = cell.servingLeader();
    if (leader == null || cell.isRetired(leader)) {
      return false;
    }
    long applied = -1;
    long checksum = 0;
    for (SimReplica r : cell.active()) {
      Namespace ns = namespace(r);
      if (applied >= 0 && (ns.appliedIndex() != applied || ns.stateChecksum() != checksum)) {
        return false;
      }
      applied = ns.appliedIndex();
      checksum = ns.stateChecksum();
    }
    return true;
  }

  private static Namespace namespace(SimReplica r) {
    return ((LockHost) r.host()).namespace();
  }

  private String describe() {
    StringBuilder b = new StringBuilder();
    for (SimApp a : apps) {
      b.append(a).append("; ");
    }
    for (SimReplica r : cell.active()) {
      Namespace ns = namespace(r);
      b.append(
          String.format(
              "[r%d %s %s applied=%d sum=%x sessions=%d] ",
              r.id,
              r.isUp() ? r.replica().role() : "DOWN",
              r.isUp() ? r.replica().membership() + "/" + r.replica().governingMembership() : "",
              ns.appliedIndex(),
              ns.stateChecksum(),
              ns.listSessions().getSessionsCount()));
    }
    return b.toString();
  }
}
