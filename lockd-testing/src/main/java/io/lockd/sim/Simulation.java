package io.lockd.sim;

import io.lockd.replica.ReplicaOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    ANSWER_BEFORE_DURABLE,
    /**
     * With disk faults on: a store that lost synced records does not say so, and its replica votes
     * at once with what is left.
     */
    HIDE_LOST_RECORDS,
    /**
     * With reconfiguration: a new member votes before it caught up. Followers' heartbeat answers
     * claim the chosen index of the heartbeat they answer, as if the leader's caught-up check read
     * the wrong field, so a learner is promoted while it still lacks the log.
     */
    PROMOTE_BEFORE_CAUGHT_UP,
    /**
     * With reconfiguration: a change applied before it is chosen. The leader announces a slot that
     * carries a configuration change as chosen as soon as it proposes it (an accept's chosen index
     * covers it), so followers apply the change, and everything before it, on the proposal alone.
     */
    CHANGE_BEFORE_CHOSEN;

    /** True for the bugs that only membership changes can show. */
    boolean needsReconfiguration() {
      return this == PROMOTE_BEFORE_CAUGHT_UP || this == CHANGE_BEFORE_CHOSEN;
    }
  }

  /**
   * @param damagedRecoveries restarts that found acknowledged records lost to a disk fault
   */
  record Result(
      long seed,
      int replicas,
      long steps,
      long deliveries,
      long slots,
      long ops,
      long damagedRecoveries,
      long membershipChanges,
      long handovers,
      String violation) {}

  private static final long SAFETY_MILLIS = 12_000;
  private static final long LIVENESS_MILLIS = 20_000;
  private static final long MIN_DELIVERIES = 2_500;
  private static final long MAX_SAFETY_MICROS = 120_000_000;
  private static final int CLIENTS = 6;

  private final long seed;
  private final int size;
  private final SimCell cell;
  private final EventQueue events;
  private final SimNetwork network;
  private final OrderChecker order = new OrderChecker();
  private final List<SimReplica> replicas;
  private final List<SimClient> clients = new ArrayList<>();
  private final SimReconfiguration reconfiguration;

  Simulation(long seed, int size, Set<Bug> bugs) {
    this(seed, size, bugs, false);
  }

  /** With {@code diskFaults}, a minority of replicas may lose or corrupt synced records. */
  Simulation(long seed, int size, Set<Bug> bugs, boolean diskFaults) {
    this(seed, size, bugs, diskFaults, false);
  }

  /** With {@code reconfigure}, the membership changes at random during the faults. */
  Simulation(long seed, int size, Set<Bug> bugs, boolean diskFaults, boolean reconfigure) {
    this.seed = seed;
    this.size = size;
    // Small snapshot interval so truncation and snapshot transfer happen.
    ReplicaOptions options = new ReplicaOptions(3_000, 40);
    java.util.function.IntFunction<java.util.function.Supplier<SimHost>> hosts =
        id -> () -> new CounterHost(new SimStateMachine(id, order));
    this.cell =
        reconfigure
            ? SimCell.withReconfiguration(seed, size, bugs, options, hosts)
            : diskFaults || bugs.contains(Bug.HIDE_LOST_RECORDS)
                ? SimCell.withDiskFaults(seed, size, bugs, options, hosts)
                : new SimCell(seed, size, bugs, options, hosts);
    this.reconfiguration = reconfigure ? new SimReconfiguration(cell, seed, size) : null;
    this.events = cell.events;
    this.network = cell.network;
    this.replicas = cell.replicas;
    for (int c = 1; c <= CLIENTS; c++) {
      SimClient client = new SimClient(c, events, replicas, cell.random.split());
      if (reconfigure) {
        client.eligible = id -> !cell.isRetired(cell.replica(id));
      }
      clients.add(client);
    }
  }

  Result run() {
    return result(Violation.findIn(this::play));
  }

  /** The run itself; a checker throws {@link Violation}. */
  private void play() {
    cell.start();
    if (reconfiguration != null) {
      reconfiguration.start();
    }
    clients.forEach(SimClient::start);
    cell.runUntil(SAFETY_MILLIS * 1000);
    // Heavy fault plans deliver little; keep faults on until the run means something.
    while (network.deliveries() < MIN_DELIVERIES && events.nowMicros() < MAX_SAFETY_MICROS) {
      cell.runUntil(events.nowMicros() + 1_000_000);
    }
    if (reconfiguration != null) {
      reconfiguration.stop();
    }
    cell.heal();
    clients.forEach(SimClient::stop);
    long livenessDeadline = events.nowMicros() + LIVENESS_MILLIS * 1000;
    while (events.nowMicros() < livenessDeadline && !settled()) {
      cell.runUntil(Math.min(livenessDeadline, events.nowMicros() + 100_000));
    }
    if (!settled()) {
      throw new Violation(
          "liveness: operations still pending or replicas diverged "
              + LIVENESS_MILLIS
              + " ms after faults stopped: "
              + describe());
    }
    checkDurability();
  }

  private Result result(String violation) {
    return new Result(
        seed,
        size,
        events.executed(),
        network.deliveries(),
        cell.chosen.slotsChosen(),
        order.length(),
        cell.damagedRecoveries(),
        reconfiguration == null ? 0 : reconfiguration.changesApplied(),
        cell.handovers(),
        violation);
  }

  // ---- end-of-run checks --------------------------------------------------------------------

  private boolean settled() {
    for (SimClient c : clients) {
      if (!c.idle()) {
        return false;
      }
    }
    if (reconfiguration != null) {
      reconfiguration.settle(); // a change queued before the faults stopped may land late
      // A removed leader may be retired with slots only it has applied: wait for a successor.
      SimReplica leader = cell.servingLeader();
      if (leader == null || cell.isRetired(leader)) {
        return false;
      }
    }
    SimStateMachine first = machine(cell.active().get(0));
    for (SimReplica r : cell.active()) {
      SimStateMachine sm = machine(r);
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
        for (SimReplica r : cell.active()) {
          if (machine(r).lastSeq(c.id) < op.getKey()) {
            throw new Violation(
                "durability: client "
                    + c.id
                    + " op "
                    + op.getKey()
                    + " was acknowledged (at position "
                    + op.getValue()
                    + ") but replica "
                    + r.id
                    + " never applied it: "
                    + describe());
          }
        }
      }
    }
  }

  private String describe() {
    StringBuilder s = new StringBuilder();
    for (SimReplica r : cell.active()) {
      s.append(
          String.format(
              "[%s ops=%d members=%s governing=%s] ",
              r.replica(),
              machine(r).count(),
              r.replica().membership(),
              r.replica().governingMembership()));
    }
    s.append(" t=").append(events.nowMicros());
    for (SimClient c : clients) {
      if (!c.idle()) {
        s.append(c).append(" pending; ");
      }
    }
    return s.toString();
  }

  /** The fixture state machine alone, with no server layer. */
  private record CounterHost(SimStateMachine stateMachine) implements SimHost {}

  private static SimStateMachine machine(SimReplica r) {
    return ((CounterHost) r.host()).stateMachine();
  }

  FaultPlan plan() {
    return cell.plan;
  }
}
