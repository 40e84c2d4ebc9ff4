package io.lockd.sim;

import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.storage.InMemoryAcceptorStore;
import io.lockd.transport.MessageChecks;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * A simulated cell: replicas with their clocks, disks and network, the faults injected into them,
 * and the consensus-level checks made after every step (lease safety, promises, agreement through
 * {@link ChosenChecker}). Workloads (the counter fixture, the lock service) run on top of it.
 */
public final class SimCell {
  public static final double DRIFT_BOUND = 0.1;

  public final EventQueue events = new EventQueue();
  public final SplittableRandom random;
  public final FaultPlan plan;
  final SimNetwork network;
  final ChosenChecker chosen = new ChosenChecker();
  public final List<SimReplica> replicas = new ArrayList<>();
  private final int size;

  /** Replica ids a reconfiguring run may add beyond the initial ones. */
  static final int SPARE_IDS = 8;

  /** True when membership changes run during the faults ({@link SimReconfiguration}). */
  final boolean reconfiguring;

  /** Replicas taken out of the cell for good: removed from it, or never let in. */
  private final java.util.TreeSet<Integer> retired = new java.util.TreeSet<>();

  private final Set<Simulation.Bug> bugsOn;
  private final ReplicaOptions options;
  private final IntFunction<java.util.function.Supplier<SimHost>> hosts;
  private final List<Integer> initialIds = new ArrayList<>();
  private final double configuredDrift;

  /**
   * Groups a faulty disk may lose or corrupt: the newest ones, as a lying or rotting disk would.
   */
  private static final int EXPOSED_GROUPS = 6;

  /** Replicas with a faulty disk: a minority (at most (size - 1) / 2), or none. */
  private final java.util.TreeSet<Integer> faultyDisks = new java.util.TreeSet<>();

  private final SplittableRandom diskRandom;

  /** Extra checks a workload runs after every step. */
  public Runnable afterStep = () -> {};

  /** A cell with no injected bugs, for workloads outside this package. */
  public SimCell(
      long seed,
      int size,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    this(seed, size, Set.of(), options, hosts);
  }

  SimCell(
      long seed,
      int size,
      Set<Simulation.Bug> bugs,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    this(seed, size, bugs, options, hosts, true, false, false);
  }

  /**
   * A cell under the random faults, and with disk faults on a seed-chosen minority of replicas: a
   * crash of one may also lose the newest synced groups of its log or corrupt one of them.
   */
  static SimCell withDiskFaults(
      long seed,
      int size,
      Set<Simulation.Bug> bugs,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    return new SimCell(seed, size, bugs, options, hosts, true, true, false);
  }

  /**
   * A cell under the random faults whose membership also changes at random: replicas are added as
   * learners, promoted, removed (the leader too) and crashed ones replaced by fresh, empty ones.
   */
  public static SimCell withReconfiguration(
      long seed,
      int size,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    return withReconfiguration(seed, size, Set.of(), options, hosts);
  }

  static SimCell withReconfiguration(
      long seed,
      int size,
      Set<Simulation.Bug> bugs,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    return new SimCell(seed, size, bugs, options, hosts, true, false, true);
  }

  /**
   * A cell with no random faults: a network that neither loses, duplicates nor reorders, exact
   * clocks, and no fault schedule. Scenario tests inject the faults they are about themselves.
   */
  static SimCell calm(
      long seed,
      int size,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts) {
    return new SimCell(seed, size, Set.of(), options, hosts, false, false, false);
  }

  private SimCell(
      long seed,
      int size,
      Set<Simulation.Bug> bugs,
      ReplicaOptions options,
      IntFunction<java.util.function.Supplier<SimHost>> hosts,
      boolean randomFaults,
      boolean diskFaults,
      boolean reconfiguring) {
    Set<Simulation.Bug> on =
        bugs.isEmpty() ? EnumSet.noneOf(Simulation.Bug.class) : EnumSet.copyOf(bugs);
    this.size = size;
    this.reconfiguring = reconfiguring;
    this.bugsOn = on;
    this.options = options;
    this.hosts = hosts;
    this.random = new SplittableRandom(seed);
    FaultPlan drawn = new FaultPlan(random.split(), DRIFT_BOUND);
    this.plan = randomFaults ? drawn : FaultPlan.healthy();
    this.faultsOn = randomFaults;
    this.network =
        new SimNetwork(events, random.split(), plan, reconfiguring ? size + SPARE_IDS : size);
    // Its own generator, so that a run without disk faults draws exactly as before they existed.
    this.diskRandom = new SplittableRandom(seed ^ 0x5DEE_CE66_DL);
    int faulty = diskFaults && size >= 3 ? 1 + diskRandom.nextInt((size - 1) / 2) : 0;
    for (int i = 0; i < faulty; i++) {
      faultyDisks.add(1 + diskRandom.nextInt(size));
    }
    network.bugDropPromisedValues = on.contains(Simulation.Bug.IGNORE_PROMISED_VALUES);
    network.bugClaimCaughtUp = on.contains(Simulation.Bug.PROMOTE_BEFORE_CAUGHT_UP);
    network.bugChangeChosenAtProposal = on.contains(Simulation.Bug.CHANGE_BEFORE_CHOSEN);
    List<Integer> ids = initialIds;
    for (int i = 1; i <= size; i++) {
      ids.add(i);
    }
    this.configuredDrift = on.contains(Simulation.Bug.LEASE_IGNORES_DRIFT) ? 0 : DRIFT_BOUND;
    for (int id : ids) {
      replicas.add(create(id));
    }
  }

  /** A replica process with an empty disk; ids beyond the initial ones join a running cell. */
  private SimReplica create(int id) {
    Set<Simulation.Bug> on = bugsOn;
    List<Integer> ids = initialIds;
    // Production timing (so the checkers judge the defaults a cell runs with), small windows
    // and batches (so that their edges are reached often).
    PaxosConfig timing = PaxosConfig.defaults(id, ids);
    PaxosConfig config =
        new PaxosConfig(
            id,
            ids,
            timing.leaseMillis(),
            configuredDrift,
            timing.heartbeatMillis(),
            timing.electionTimeoutMillis(),
            timing.electionJitterMillis(),
            timing.retransmitMillis(),
            16,
            64,
            64 * 1024,
            2_000,
            16,
            256);
    SimClock clock =
        new SimClock(events, random.split(), plan.clockDrift, random.nextLong(1_000_000));
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    store.forgetPromiseOnCrash(on.contains(Simulation.Bug.FORGET_PROMISE_ON_RESTART));
    if (faultyDisks.contains(id)) {
      store.exposeRecentGroups(EXPOSED_GROUPS);
      store.hideLostRecords(on.contains(Simulation.Bug.HIDE_LOST_RECORDS));
    }
    SimDisk disk = new SimDisk(events, store, plan.diskSyncMicros);
    disk.bugAckBeforeSync = on.contains(Simulation.Bug.ANSWER_BEFORE_DURABLE);
    return new SimReplica(
        id, events, network, clock, disk, config, options, chosen, hosts.apply(id), random.split());
  }

  /** Starts a fresh replica with the next id, to be added to the cell as a learner. */
  SimReplica addReplica() {
    SimReplica r = create(replicas.size() + 1);
    replicas.add(r);
    r.start();
    return r;
  }

  /** The id the next {@link #addReplica} takes, or -1 if the spare ids ran out. */
  int nextId() {
    return replicas.size() < size + SPARE_IDS ? replicas.size() + 1 : -1;
  }

  /**
   * How many replica ids this cell may ever use: the initial ones, and spares if it reconfigures.
   */
  public int capacity() {
    return reconfiguring ? size + SPARE_IDS : size;
  }

  /** How many times a removed leader handed over to a successor ({@code TimeoutNow} sent). */
  public long handovers() {
    return handovers;
  }

  /** Takes a replica out for good: it crashes now and never restarts. */
  void retire(SimReplica r) {
    retired.add(r.id);
    r.crash();
  }

  public boolean isRetired(SimReplica r) {
    return retired.contains(r.id);
  }

  /** Every replica not retired. */
  public List<SimReplica> active() {
    return replicas.stream().filter(r -> !retired.contains(r.id)).toList();
  }

  /** Starts every replica and the fault schedule. */
  public void start() {
    replicas.forEach(SimReplica::start);
    if (faultsOn) {
      scheduleFault();
    }
    int ids = capacity();
    MessageChecks ranges = new MessageChecks(id -> id >= 1 && id <= ids);
    network.onSend =
        m -> {
          String refusal = ranges.refusal(m);
          if (refusal != null) {
            throw new Violation(
                "ranges: replica "
                    + m.from()
                    + " sent a message the receiving edge"
                    + " would drop: "
                    + refusal);
          }
          recordAnswer(m);
          if (m instanceof io.lockd.paxos.Message.TimeoutNow t && t.to() == t.candidate()) {
            handovers++;
          }
          maybeCrashAfterReply(m);
        };
  }

  public SimReplica replica(int id) {
    return replicas.get(id - 1);
  }

  /** The replica that leads and may serve reads, or null. */
  public SimReplica servingLeader() {
    for (SimReplica r : replicas) {
      if (r.isUp() && r.replica().canServeReads()) {
        return r;
      }
    }
    return null;
  }

  /**
   * Runs events up to {@code micros}, checking after every step; an ERROR line logged during a step
   * is a violation at that step ({@link ErrorLog}).
   */
  public void runUntil(long micros) {
    ErrorLog.Recording errors = new ErrorLog.Recording();
    ErrorLog.record(
        errors,
        () -> {
          while (events.runNext(micros)) {
            noErrorLogged(errors);
            checkLeases();
            checkPromises();
            afterStep.run();
            noErrorLogged(errors);
          }
          return null;
        });
  }

  private void noErrorLogged(ErrorLog.Recording errors) {
    if (errors.count() > 0) {
      throw new Violation(
          "ERROR logged at t=" + events.nowMicros() + "us: " + errors.lines().get(0));
    }
  }

  /** Lease safety: at no instant do two replicas both hold a valid lease. */
  private void checkLeases() {
    SimReplica holder = null;
    for (SimReplica r : replicas) {
      if (r.holdsLease()) {
        if (holder != null) {
          throw new Violation(
              "lease: replicas "
                  + holder.id
                  + " and "
                  + r.id
                  + " both hold a lease at t="
                  + events.nowMicros()
                  + "us: "
                  + holder.replica()
                  + " and "
                  + r.replica());
        }
        holder = r;
      }
    }
  }

  private final long[] promiseAnswered = new long[64];
  private long handovers;

  /**
   * An acceptor never goes back on a promise it answered, not even across a crash: once it told a
   * proposer "promised b" (in a promise or an acceptance), its promise stays at least b.
   */
  private void checkPromises() {
    for (SimReplica r : replicas) {
      if (r.isUp() && r.replica().promised() < promiseAnswered[r.id]) {
        throw new Violation(
            "promise: replica "
                + r.id
                + " answered for ballot "
                + io.lockd.paxos.Ballot.toString(promiseAnswered[r.id])
                + " and later promised only "
                + io.lockd.paxos.Ballot.toString(r.replica().promised()));
      }
    }
  }

  private void recordAnswer(io.lockd.paxos.Message m) {
    long ballot =
        m instanceof io.lockd.paxos.Message.Promise p
            ? p.ballot()
            : m instanceof io.lockd.paxos.Message.Accepted a ? a.ballot() : 0;
    promiseAnswered[m.from()] = Math.max(promiseAnswered[m.from()], ballot);
  }

  // ---- faults -------------------------------------------------------------------------------

  private boolean faultsOn;

  void scheduleFault() {
    long gap = 1 + random.nextLong(plan.meanFaultGapMillis * 2);
    events.after(
        gap * 1000,
        () -> {
          if (!faultsOn) {
            return;
          }
          injectFault();
          scheduleFault();
        });
  }

  private void injectFault() {
    SimReplica r =
        reconfiguring
            ? replicas.get(random.nextInt(replicas.size()))
            : replicas.get(random.nextInt(size));
    int kind = random.nextInt(9);
    switch (kind) {
      case 0 -> {
        crash(r);
        events.after(random.nextLong(1, plan.maxDownMillis) * 1000, () -> restart(r));
      }
      case 1 -> {
        r.pause();
        events.after(random.nextLong(1, plan.maxPauseMillis) * 1000, r::resume);
      }
      case 2 -> partitionRandom();
      case 3 -> isolateLeader();
      case 4 -> {
        int a = 1 + random.nextInt(size);
        int b = 1 + random.nextInt(size);
        if (a != b) {
          network.cut(a, b);
          healLater();
        }
      }
      case 5 -> r.clock.changeRate();
      case 6 -> {
        // Power loss: several replicas die at the same instant (all of them, at times).
        for (SimReplica victim : replicas) {
          if (random.nextInt(3) > 0) {
            crash(victim);
            events.after(random.nextLong(1, plan.maxDownMillis) * 1000, () -> restart(victim));
          }
        }
      }
      default -> {} // quiet spell
    }
  }

  /**
   * Crash-restart right after an acceptor answered, before its next sync: the moment where a
   * promise or acceptance that was not durable would be lost.
   */
  private void maybeCrashAfterReply(io.lockd.paxos.Message m) {
    boolean reply =
        m instanceof io.lockd.paxos.Message.Promise || m instanceof io.lockd.paxos.Message.Accepted;
    if (!faultsOn || !reply || random.nextDouble() >= plan.crashAfterReplyRate) {
      return;
    }
    SimReplica r = replicas.get(m.from() - 1);
    events.after(
        random.nextLong(1, plan.diskSyncMicros + 2),
        () -> {
          if (faultsOn) {
            crash(r);
            events.after(random.nextLong(1, plan.maxDownMillis) * 1000, () -> restart(r));
          }
        });
  }

  /** Crashes {@code r}; a faulty disk may lose or corrupt its newest synced groups as it goes. */
  private void crash(SimReplica r) {
    if (r.isUp() && faultyDisks.contains(r.id) && diskRandom.nextDouble() < plan.diskFaultRate) {
      r.disk
          .store()
          .damageAtNextCrash(diskRandom.nextBoolean(), diskRandom.nextInt(EXPOSED_GROUPS));
    }
    r.crash();
  }

  /** How many times a replica restarted to find acknowledged records lost. */
  public long damagedRecoveries() {
    return replicas.stream().mapToLong(r -> r.disk.store().damagedRecoveries()).sum();
  }

  public void restart(SimReplica r) {
    if (!r.isUp() && !retired.contains(r.id)) {
      r.start();
    }
  }

  private void partitionRandom() {
    List<Integer> side = new ArrayList<>();
    for (int i = 1; i <= (reconfiguring ? replicas.size() : size); i++) {
      if (random.nextBoolean()) {
        side.add(i);
      }
    }
    network.partition(side);
    healLater();
  }

  private void isolateLeader() {
    for (SimReplica r : replicas) {
      if (r.isUp() && r.replica().role() == io.lockd.paxos.Role.LEADER) {
        network.partition(List.of(r.id));
        if (random.nextBoolean()) {
          // The worst case for leases: the cut-off leader's clock slow, everyone else's fast.
          for (SimReplica other : replicas) {
            other.clock.setExtremeRate(other != r);
          }
        }
        healLater();
        return;
      }
    }
  }

  /**
   * Cuts {@code r} off from every other replica within 2 ms, while faults are on (healed later like
   * any partition): a leader lost right after it proposed something.
   */
  void cutOffSoon(SimReplica r) {
    events.after(
        random.nextLong(2_001),
        () -> {
          if (faultsOn) {
            network.partition(List.of(r.id));
            healLater();
          }
        });
  }

  private void healLater() {
    events.after(
        random.nextLong(1, plan.maxPartitionMillis) * 1000,
        () -> {
          if (faultsOn) {
            network.healAll();
          }
        });
  }

  public void heal() {
    faultsOn = false;
    network.calm();
    for (SimReplica r : replicas) {
      r.resume();
      restart(r);
    }
  }
}
