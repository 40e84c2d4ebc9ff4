package io.lockd.sim;

import io.lockd.paxos.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;

/**
 * The simulated network between replicas: per-message delay drawn from a seed-chosen distribution
 * (so messages reorder), loss, duplication, and directed link cuts (symmetric and asymmetric
 * partitions). Deliveries to a replica that is down are lost.
 */
final class SimNetwork {
  private final EventQueue events;
  private final RandomGenerator random;
  private final FaultPlan plan;
  private final int size;
  private final boolean[][] cut;
  private final List<Consumer<Message>> inboxes = new ArrayList<>();
  private final List<IntConsumer> lostListeners = new ArrayList<>();
  private final long[] incarnation;
  private boolean faultsOn = true;

  /** Sees every message as it is sent (the harness uses it to crash replicas at bad moments). */
  Consumer<Message> onSend = m -> {};

  private long deliveries;

  /** Injected bug: strip accepted values from promises (a leader that ignores them). */
  boolean bugDropPromisedValues;

  /** Injected bug: heartbeat answers claim the heartbeat's chosen index (see {@link #lie}). */
  boolean bugClaimCaughtUp;

  /** Injected bug: an accept that carries a configuration change says its slot is chosen. */
  boolean bugChangeChosenAtProposal;

  /** The chosen index of the last heartbeat each leader sent each follower. */
  private final long[][] heartbeatChosen;

  SimNetwork(EventQueue events, RandomGenerator random, FaultPlan plan, int size) {
    this.events = events;
    this.random = random;
    this.plan = plan;
    this.size = size;
    this.cut = new boolean[size + 1][size + 1];
    this.heartbeatChosen = new long[size + 1][size + 1];
    this.incarnation = new long[size + 1];
    for (int i = 0; i <= size; i++) {
      inboxes.add(m -> {});
      lostListeners.add(peer -> {});
    }
  }

  /**
   * Connects replica {@code id}'s endpoint. Messages still in flight to an earlier endpoint of the
   * same id are lost, as they would be with a connection that was reset.
   */
  void attach(int id, Consumer<Message> inbox, IntConsumer peerLost) {
    inboxes.set(id, inbox);
    lostListeners.set(id, peerLost);
    incarnation[id]++;
  }

  /**
   * Replica {@code id}'s process died: every peer that can reach it notices its connection reset
   * after a network delay, as the kernel's RSTs of a killed process would tell it. Under faults a
   * notice may be lost like any packet, and a cut link carries none (a partition, not a crash).
   */
  void connectionsReset(int id) {
    for (int peer = 1; peer <= size; peer++) {
      if (peer == id || cut[id][peer] || (faultsOn && random.nextDouble() < plan.dropRate)) {
        continue;
      }
      int to = peer;
      long target = incarnation[to];
      events.after(
          delayMicros(),
          () -> {
            if (incarnation[to] == target) {
              lostListeners.get(to).accept(id);
            }
          });
    }
  }

  void send(Message m) {
    onSend.accept(m);
    if (m instanceof Message.Promise p && bugDropPromisedValues) {
      m = new Message.Promise(p.from(), p.to(), p.ballot(), p.chosenIndex(), List.of());
    }
    m = lie(m);
    if (cut[m.from()][m.to()]) {
      return;
    }
    if (faultsOn && random.nextDouble() < plan.dropRate) {
      return;
    }
    schedule(m);
    if (faultsOn && random.nextDouble() < plan.duplicateRate) {
      schedule(m);
    }
  }

  /** The injected reconfiguration bugs, which rewrite what a message claims. */
  private Message lie(Message m) {
    if (m instanceof Message.Heartbeat h) {
      heartbeatChosen[h.from()][h.to()] = h.chosenIndex();
    }
    if (m instanceof Message.HeartbeatAck a && bugClaimCaughtUp) {
      long claimed = Math.max(a.chosenIndex(), heartbeatChosen[a.to()][a.from()]);
      return new Message.HeartbeatAck(a.from(), a.to(), a.ballot(), a.round(), claimed);
    }
    if (m instanceof Message.Accept a && bugChangeChosenAtProposal) {
      long change = 0;
      for (io.lockd.paxos.Entry e : a.entries()) {
        if (e.value().commands().stream().anyMatch(io.lockd.paxos.Membership::isCommand)) {
          change = e.slot();
        }
      }
      if (change > a.chosenIndex()) {
        return new Message.Accept(a.from(), a.to(), a.ballot(), a.entries(), change);
      }
    }
    return m;
  }

  private void schedule(Message m) {
    Message msg = m;
    long target = incarnation[m.to()];
    events.after(
        delayMicros(),
        () -> {
          if (!cut[msg.from()][msg.to()] && incarnation[msg.to()] == target) {
            deliveries++;
            inboxes.get(msg.to()).accept(msg);
          }
        });
  }

  private long delayMicros() {
    long d = plan.baseDelayMicros + (long) (random.nextDouble() * plan.jitterMicros);
    if (faultsOn && random.nextDouble() < plan.slowRate) {
      d += (long) (random.nextDouble() * plan.slowDelayMicros);
    }
    return d;
  }

  /** Cuts the link from {@code a} to {@code b} (one direction). */
  void cut(int a, int b) {
    cut[a][b] = true;
    maybeReset(a, b);
  }

  /** Splits the replicas into {@code side} and the rest, both directions. */
  void partition(List<Integer> side) {
    for (int a = 1; a <= size; a++) {
      for (int b = 1; b <= size; b++) {
        if (side.contains(a) != side.contains(b)) {
          cut[a][b] = true;
          maybeReset(a, b);
        }
      }
    }
  }

  /**
   * Half the time a cut link also resets the connection over it (a firewall's RST, a keepalive that
   * timed out): the receiving end is told it lost the sender although the sender lives. A leader
   * cut off this way is the one whose followers campaign the earliest, right as their lease grants
   * run out, which is where a lease that ignored clock drift would overlap.
   */
  private void maybeReset(int from, int to) {
    if (random.nextBoolean()) {
      long target = incarnation[to];
      events.after(
          delayMicros(),
          () -> {
            if (incarnation[to] == target) {
              lostListeners.get(to).accept(from);
            }
          });
    }
  }

  void healAll() {
    for (boolean[] row : cut) {
      java.util.Arrays.fill(row, false);
    }
  }

  /** Ends the fault phase: no loss, duplication or slow messages from now on. */
  void calm() {
    faultsOn = false;
    healAll();
  }

  long deliveries() {
    return deliveries;
  }
}
