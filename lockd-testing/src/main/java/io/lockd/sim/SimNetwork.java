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

  SimNetwork(EventQueue events, RandomGenerator random, FaultPlan plan, int size) {
    this.events = events;
    this.random = random;
    this.plan = plan;
    this.size = size;
    this.cut = new boolean[size + 1][size + 1];
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
