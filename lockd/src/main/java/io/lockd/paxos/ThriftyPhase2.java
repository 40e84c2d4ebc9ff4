package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Who hears a leader's accepts, and when (thrifty Phase 2): a new slot goes at once to this replica
 * and the eager followers, to the others in their next batch. With this leader the eager followers
 * are a majority, so the others' work is off every write's critical path: at low concurrency each
 * write costs three replicas' disk flushes and wake-ups instead of five on two shared cores, and
 * the two that lag get many writes per message and per flush. Each still receives and stores every
 * entry, at most a lazy flush interval later ({@link #lazyFlushMillis}), so it is as useful to a
 * new leader's Phase 1 as before; and if eager followers do not answer, a slot is still chosen once
 * the batch arrives, and whoever answered then becomes eager.
 */
final class ThriftyPhase2 {
  private final PaxosConfig config;
  private final Configurations configs;
  private final Outbox out;
  private final long ballot;
  private final LongSupplier chosenIndex;

  /**
   * The followers that get a new slot's accept at once: those that made the last chosen slot's
   * majority with this leader, or null (every follower) until a slot has shown who is quick.
   */
  private Set<Integer> eager;

  /** Entries the other followers are owed, sent in one batch each per lazy flush. */
  private final Map<Integer, List<Entry>> owed = new TreeMap<>();

  private long owedSince;

  ThriftyPhase2(
      PaxosConfig config, Configurations configs, Outbox out, long ballot, LongSupplier chosen) {
    this.config = config;
    this.configs = configs;
    this.out = out;
    this.ballot = ballot;
    this.chosenIndex = chosen;
  }

  /** Sends new slots' {@code entries} to every member of {@code audience}, now or in its batch. */
  void propose(Set<Integer> audience, List<Entry> entries, long now) {
    for (int id : audience) {
      if (id == config.selfId() || eager == null || eager.contains(id)) {
        send(id, entries);
      } else {
        owe(id, entries, now);
      }
    }
  }

  /** Sends every follower what it is owed once its entries waited a lazy flush interval. */
  void tick(long now) {
    if (!owed.isEmpty() && now - owedSince >= lazyFlushMillis()) {
      for (Map.Entry<Integer, List<Entry>> e : owed.entrySet()) {
        send(e.getKey(), e.getValue());
      }
      owed.clear();
    }
  }

  /** When {@link #tick} next has a batch to send, or {@code Long.MAX_VALUE}. */
  long nextDeadline() {
    return owed.isEmpty() ? Long.MAX_VALUE : owedSince + lazyFlushMillis();
  }

  private void owe(int follower, List<Entry> entries, long now) {
    if (owed.isEmpty()) {
      owedSince = now;
    }
    List<Entry> list = owed.computeIfAbsent(follower, id -> new ArrayList<>());
    list.addAll(entries);
    if (list.size() >= config.maxBatchCommands()) {
      send(follower, owed.remove(follower)); // a full batch goes at once
    }
  }

  /** How long entries may wait for a follower outside the eager set: a third of a retransmit. */
  private long lazyFlushMillis() {
    return Math.max(1, config.retransmitMillis() / 3);
  }

  /** Sends entries to one acceptor, in messages of bounded size. */
  void send(int to, List<Entry> entries) {
    List<Entry> group = new ArrayList<>();
    int bytes = 0;
    for (Entry e : entries) {
      if (!group.isEmpty() && bytes + e.value().bytes() > config.maxBatchBytes()) {
        out.now(new Message.Accept(config.selfId(), to, ballot, group, chosenIndex.getAsLong()));
        group = new ArrayList<>();
        bytes = 0;
      }
      group.add(e);
      bytes += e.value().bytes();
    }
    if (!group.isEmpty()) {
      out.now(new Message.Accept(config.selfId(), to, ballot, group, chosenIndex.getAsLong()));
    }
  }

  /**
   * A slot was chosen: who gets accepts at once from now on are the followers that made its
   * majority (the quick ones), topped up with earlier eager ones and then any, to one short of a
   * majority: with this leader's own acceptance they choose a slot. The leader's flush starts
   * before any follower has the accept, so it is rarely the one waited for; and a third eager
   * follower, kept in case one is slow, cost more than it saved on two shared cores (each write
   * then woke and flushed four replicas, and their flushes queued behind each other:
   * docs/benchmarks.md). A slow eager follower costs at most a lazy flush interval, after which
   * whoever answered is eager.
   */
  void chosen(SlotProgress chosen) {
    Membership m = configs.governing(chosen.entry.slot());
    // With this leader's own acceptance (when it votes there), one short of a majority chooses.
    int want = m.isVoter(config.selfId()) ? m.majority() - 1 : m.majority();
    Set<Integer> next = new TreeSet<>();
    for (int id : chosen.acceptedBy) {
      if (id != config.selfId() && m.isVoter(id) && next.size() < want) {
        next.add(id);
      }
    }
    if (eager != null) {
      for (int id : eager) {
        if (next.size() >= want) {
          break;
        }
        if (m.isVoter(id)) {
          next.add(id);
        }
      }
    }
    for (int id : m.voters()) {
      if (next.size() >= want) {
        break;
      }
      if (id != config.selfId()) {
        next.add(id);
      }
    }
    eager = next;
  }
}
