package io.lockd.sim;

import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.storage.InMemoryAcceptorStore;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One deterministic run: a cell of replicas and clients under a seed-chosen fault plan. A safety
 * phase injects faults while the checkers watch every step; then faults stop, every replica is
 * brought back, and the liveness phase requires every pending operation to commit within a bound.
 * Everything (fault parameters, timings, message fates) derives from the seed.
 */
final class Simulation {
  /** Known bugs the harness can inject to prove the checkers catch them. */
  enum Bug {
    /** An acceptor's promise is not durable: it is forgotten on restart. */
    FORGET_PROMISE_ON_RESTART,
    /** A new leader ignores the values in promises (they never reach it). */
    IGNORE_PROMISED_VALUES,
    /** Leaders count their lease as if clocks never drifted. */
    LEASE_IGNORES_DRIFT,
    /** Acceptors answer before their writes are durable. */
    ANSWER_BEFORE_DURABLE
  }

  record Result(long seed, int replicas, long steps, long deliveries, long slots, long ops,
      String violation) {}

  private static final long SAFETY_MILLIS = 12_000;
  private static final long LIVENESS_MILLIS = 20_000;
  private static final long MIN_DELIVERIES = 2_500;
  private static final long MAX_SAFETY_MICROS = 120_000_000;
  private static final int CLIENTS = 6;
  static final double DRIFT_BOUND = 0.1;

  private final long seed;
  private final int size;
  private final Set<Bug> bugs;
  private final SplittableRandom random;
  private final EventQueue events = new EventQueue();
  private final FaultPlan plan;
  private final SimNetwork network;
  private final ChosenChecker chosen = new ChosenChecker();
  private final OrderChecker order = new OrderChecker();
  private final List<SimReplica> replicas = new ArrayList<>();
  private final List<SimClient> clients = new ArrayList<>();

  Simulation(long seed, int size, Set<Bug> bugs) {
    this.seed = seed;
    this.size = size;
    this.bugs = bugs.isEmpty() ? EnumSet.noneOf(Bug.class) : EnumSet.copyOf(bugs);
    this.random = new SplittableRandom(seed);
    this.plan = new FaultPlan(random.split(), DRIFT_BOUND);
    this.network = new SimNetwork(events, random.split(), plan, size);
    network.bugDropPromisedValues = this.bugs.contains(Bug.IGNORE_PROMISED_VALUES);
    List<Integer> ids = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      ids.add(i);
    }
    // Small snapshot interval and catch-up size so truncation and snapshot transfer happen.
    ReplicaOptions options = new ReplicaOptions(3_000, 40);
    double configuredDrift = this.bugs.contains(Bug.LEASE_IGNORES_DRIFT) ? 0 : DRIFT_BOUND;
    for (int id : ids) {
      PaxosConfig config = new PaxosConfig(id, ids, 500, configuredDrift, 100, 300, 200, 25,
          16, 64, 64 * 1024, 2_000, 16, 256);
      SimClock clock = new SimClock(events, random.split(), plan.clockDrift,
          random.nextLong(1_000_000));
      InMemoryAcceptorStore store = new InMemoryAcceptorStore();
      store.forgetPromiseOnCrash(this.bugs.contains(Bug.FORGET_PROMISE_ON_RESTART));
      SimDisk disk = new SimDisk(events, store, plan.diskSyncMicros);
      disk.bugAckBeforeSync = this.bugs.contains(Bug.ANSWER_BEFORE_DURABLE);
      replicas.add(new SimReplica(id, events, network, clock, disk, config, options, chosen,
          order, random.split()));
    }
    for (int c = 1; c <= CLIENTS; c++) {
      clients.add(new SimClient(c, events, replicas, random.split()));
    }
  }

  Result run() {
    try {
      replicas.forEach(SimReplica::start);
      clients.forEach(SimClient::start);
      scheduleFault();
      network.onSend = m -> {
        recordAnswer(m);
        maybeCrashAfterReply(m);
      };
      runUntil(SAFETY_MILLIS * 1000);
      // Heavy fault plans deliver little; keep faults on until the run means something.
      while (network.deliveries() < MIN_DELIVERIES && events.nowMicros() < MAX_SAFETY_MICROS) {
        runUntil(events.nowMicros() + 1_000_000);
      }
      heal();
      long livenessDeadline = events.nowMicros() + LIVENESS_MILLIS * 1000;
      while (events.nowMicros() < livenessDeadline && !settled()) {
        runUntil(Math.min(livenessDeadline, events.nowMicros() + 100_000));
      }
      if (!settled()) {
        throw new Violation("liveness: operations still pending or replicas diverged "
            + LIVENESS_MILLIS + " ms after faults stopped: " + describe());
      }
      checkDurability();
      return result(null);
    } catch (Violation v) {
      return result(v.getMessage());
    } catch (RuntimeException e) {
      if (Boolean.getBoolean("sim.trace")) {
        e.printStackTrace(System.out);
      }
      return result("crash of the system under test: " + e);
    }
  }

  private Result result(String violation) {
    return new Result(seed, size, events.executed(), network.deliveries(), chosen.slotsChosen(),
        order.length(), violation);
  }

  private void runUntil(long micros) {
    while (events.runNext(micros)) {
      checkLeases();
      checkPromises();
    }
  }

  /** Lease safety: at no instant do two replicas both hold a valid lease. */
  private void checkLeases() {
    int holder = -1;
    for (SimReplica r : replicas) {
      if (r.holdsLease()) {
        if (holder >= 0) {
          throw new Violation("lease: replicas " + holder + " and " + r.id
              + " both hold a lease at t=" + events.nowMicros() + "us");
        }
        holder = r.id;
      }
    }
  }

  private final long[] promiseAnswered = new long[64];

  /**
   * An acceptor never goes back on a promise it answered, not even across a crash: once it told
   * a proposer "promised b" (in a promise or an acceptance), its promise stays at least b.
   */
  private void checkPromises() {
    for (SimReplica r : replicas) {
      if (r.isUp() && r.replica().promised() < promiseAnswered[r.id]) {
        throw new Violation("promise: replica " + r.id + " answered for ballot "
            + io.lockd.paxos.Ballot.toString(promiseAnswered[r.id]) + " and later promised only "
            + io.lockd.paxos.Ballot.toString(r.replica().promised()));
      }
    }
  }

  private void recordAnswer(io.lockd.paxos.Message m) {
    long ballot = m instanceof io.lockd.paxos.Message.Promise p ? p.ballot()
        : m instanceof io.lockd.paxos.Message.Accepted a ? a.ballot() : 0;
    promiseAnswered[m.from()] = Math.max(promiseAnswered[m.from()], ballot);
  }

  // ---- faults -------------------------------------------------------------------------------

  private boolean faultsOn = true;

  private void scheduleFault() {
    long gap = 1 + random.nextLong(plan.meanFaultGapMillis * 2);
    events.after(gap * 1000, () -> {
      if (!faultsOn) {
        return;
      }
      injectFault();
      scheduleFault();
    });
  }

  private void injectFault() {
    SimReplica r = replicas.get(random.nextInt(size));
    int kind = random.nextInt(9);
    switch (kind) {
      case 0 -> {
        r.crash();
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
            victim.crash();
            events.after(random.nextLong(1, plan.maxDownMillis) * 1000, () -> restart(victim));
          }
        }
      }
      default -> { } // quiet spell
    }
  }

  /**
   * Crash-restart right after an acceptor answered, before its next sync: the moment where a
   * promise or acceptance that was not durable would be lost.
   */
  private void maybeCrashAfterReply(io.lockd.paxos.Message m) {
    boolean reply = m instanceof io.lockd.paxos.Message.Promise
        || m instanceof io.lockd.paxos.Message.Accepted;
    if (!faultsOn || !reply || random.nextDouble() >= plan.crashAfterReplyRate) {
      return;
    }
    SimReplica r = replicas.get(m.from() - 1);
    events.after(random.nextLong(1, plan.diskSyncMicros + 2), () -> {
      if (faultsOn) {
        r.crash();
        events.after(random.nextLong(1, plan.maxDownMillis) * 1000, () -> restart(r));
      }
    });
  }

  private void restart(SimReplica r) {
    if (!r.isUp()) {
      r.start();
    }
  }

  private void partitionRandom() {
    List<Integer> side = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
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
        healLater();
        return;
      }
    }
  }

  private void healLater() {
    events.after(random.nextLong(1, plan.maxPartitionMillis) * 1000, () -> {
      if (faultsOn) {
        network.healAll();
      }
    });
  }

  private void heal() {
    faultsOn = false;
    network.calm();
    for (SimReplica r : replicas) {
      r.resume();
      restart(r);
    }
    clients.forEach(SimClient::stop);
  }

  // ---- end-of-run checks --------------------------------------------------------------------

  private boolean settled() {
    for (SimClient c : clients) {
      if (!c.idle()) {
        return false;
      }
    }
    SimStateMachine first = replicas.get(0).stateMachine();
    for (SimReplica r : replicas) {
      SimStateMachine sm = r.stateMachine();
      if (sm.count() != first.count() || sm.hash() != first.hash()) {
        return false;
      }
    }
    return true;
  }

  /** Durability: every acknowledged operation is applied on every replica, at its position. */
  private void checkDurability() {
    for (SimClient c : clients) {
      for (Map.Entry<Long, Long> op : c.acked().entrySet()) {
        for (SimReplica r : replicas) {
          if (r.stateMachine().lastSeq(c.id) < op.getKey()) {
            throw new Violation("durability: client " + c.id + " op " + op.getKey()
                + " was acknowledged but replica " + r.id + " never applied it");
          }
        }
      }
    }
  }

  private String describe() {
    StringBuilder s = new StringBuilder();
    for (SimReplica r : replicas) {
      s.append(String.format("[%s ops=%d] ", r.replica(), r.stateMachine().count()));
    }
    for (SimClient c : clients) {
      if (!c.idle()) {
        s.append("client ").append(c.id).append(" pending; ");
      }
    }
    return s.toString();
  }

  FaultPlan plan() {
    return plan;
  }
}
