package io.lockd.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One attempt at leadership under one ballot: Phase 1 over the whole unchosen suffix, recovery of
 * accepted values (after catching up if a promiser knew more of the chosen log), the leadership
 * no-op, and then Phase 2 for batches of commands in a bounded pipeline. A new ballot gets a new
 * instance; a deposed one is dropped.
 */
final class Leadership {
  enum Phase {
    PREPARING,
    RECOVERING,
    LEADING
  }

  private final PaxosConfig config;
  private final AcceptorLog log;
  private final Outbox out;
  final long ballot;
  private final long prepareFrom;
  private Phase phase = Phase.PREPARING;

  private final Map<Integer, Message.Promise> promises = new TreeMap<>();
  private long lastPrepareAt;
  private long recoverTo;
  private int recoverFrom;

  private final TreeMap<Long, SlotProgress> inflight = new TreeMap<>();

  /**
   * The followers that get a new slot's accept at once: those that made the last chosen slot's
   * majority with this leader, or null (every follower) until a slot has shown who is quick.
   */
  private Set<Integer> eager;

  /** Entries the other followers are owed, sent in one batch each per lazy flush. */
  private final Map<Integer, List<Entry>> owed = new TreeMap<>();

  private long owedSince;
  private final ArrayDeque<Command> pending = new ArrayDeque<>();
  private long nextSlot;
  private long leadershipSlot = Long.MAX_VALUE;
  private LeaseTracker lease;
  private long lastHeartbeatAt;
  private final Map<Integer, PeerProgress> peers = new TreeMap<>();

  Leadership(PaxosConfig config, AcceptorLog log, Outbox out, long ballot, long now) {
    this.config = config;
    this.log = log;
    this.out = out;
    this.ballot = ballot;
    this.prepareFrom = log.chosenIndex() + 1;
    broadcastPrepare(now);
  }

  Phase phase() {
    return phase;
  }

  boolean isLeader() {
    return phase != Phase.PREPARING;
  }

  // ---- Phase 1 ------------------------------------------------------------------------------

  private void broadcastPrepare(long now) {
    lastPrepareAt = now;
    for (int id : config.replicaIds()) {
      if (!promises.containsKey(id)) {
        // After the durable write of the candidate's own promise of this ballot (see campaign).
        out.afterDurable(new Message.Prepare(config.selfId(), id, ballot, prepareFrom));
      }
    }
  }

  void onPromise(Message.Promise p, long now) {
    if (phase != Phase.PREPARING || p.ballot() != ballot) {
      return;
    }
    promises.put(p.from(), p);
    if (promises.size() < config.majority()) {
      return;
    }
    lease = new LeaseTracker(config.majority(), config.leaderLeaseMillis(), now);
    heartbeat(now);
    Message.Promise mostChosen = null;
    for (Message.Promise q : promises.values()) {
      if (mostChosen == null || q.chosenIndex() > mostChosen.chosenIndex()) {
        mostChosen = q;
      }
    }
    recoverTo = mostChosen.chosenIndex();
    recoverFrom = mostChosen.from();
    phase = Phase.RECOVERING;
    maybeFinishRecovery(now);
  }

  /**
   * Slots a promiser knows to be chosen may have been truncated from its promise, so the leader
   * first learns them (catch-up) and only then re-proposes what the promises say about the rest.
   */
  void maybeFinishRecovery(long now) {
    if (phase != Phase.RECOVERING) {
      return;
    }
    if (log.chosenIndex() < recoverTo) {
      return; // the node keeps requesting catch-up from recoverFrom
    }
    long from = log.chosenIndex() + 1;
    TreeMap<Long, Entry> best = new TreeMap<>();
    for (Message.Promise p : promises.values()) {
      for (Entry e : p.accepted()) {
        if (e.slot() < from) {
          continue;
        }
        Entry known = best.get(e.slot());
        if (known == null || e.ballot() > known.ballot()) {
          best.put(e.slot(), e);
        }
      }
    }
    long last = best.isEmpty() ? from - 1 : Math.max(from - 1, best.lastKey());
    List<Entry> proposals = new ArrayList<>();
    for (long s = from; s <= last; s++) {
      Entry e = best.get(s);
      proposals.add(new Entry(s, ballot, e == null ? Batch.NOOP : e.value()));
    }
    nextSlot = last + 1;
    leadershipSlot = nextSlot;
    proposals.add(new Entry(nextSlot++, ballot, Batch.NOOP));
    phase = Phase.LEADING;
    promises.clear();
    startSlots(proposals, now);
  }

  /** The replica to fetch chosen entries from while recovering, or -1. */
  int recoverySource() {
    return phase == Phase.RECOVERING ? recoverFrom : -1;
  }

  long recoveryTarget() {
    return recoverTo;
  }

  // ---- Phase 2 ------------------------------------------------------------------------------

  ProposeResult propose(Command c) {
    if (pending.size() >= config.maxPendingCommands()) {
      return ProposeResult.OVERLOADED;
    }
    pending.add(c);
    return ProposeResult.QUEUED;
  }

  /** Cuts queued commands into slots while the pipeline window has room. */
  void flush(long now) {
    if (phase != Phase.LEADING || pending.isEmpty()) {
      return;
    }
    List<Entry> fresh = new ArrayList<>();
    while (!pending.isEmpty() && inflight.size() + fresh.size() < config.maxInflightSlots()) {
      List<Command> batch = new ArrayList<>();
      int bytes = 0;
      while (!pending.isEmpty() && batch.size() < config.maxBatchCommands()) {
        Command next = pending.peek();
        if (!batch.isEmpty() && bytes + next.size() > config.maxBatchBytes()) {
          break;
        }
        batch.add(pending.poll());
        bytes += next.size();
      }
      fresh.add(new Entry(nextSlot++, ballot, new Batch(batch)));
    }
    startSlots(fresh, now);
  }

  /**
   * Proposes {@code entries}: to this replica and the eager followers at once, to the others in
   * their next batch (thrifty Phase 2). With this leader the eager followers are a majority, so the
   * others' work is off every write's critical path: at low concurrency each write costs three
   * replicas' disk flushes and wake-ups instead of five on two shared cores, and the two that lag
   * get many writes per message and per flush. It still receives and stores every entry, at most a
   * lazy flush interval later ({@link #lazyFlushMillis}), so it is as useful to a new leader's
   * Phase 1 as before; and if eager followers do not answer, a slot is still chosen once the batch
   * arrives, and whoever answered then becomes eager.
   */
  private void startSlots(List<Entry> entries, long now) {
    for (Entry e : entries) {
      inflight.put(e.slot(), new SlotProgress(e, now));
    }
    for (int id : config.replicaIds()) {
      if (id == config.selfId() || eager == null || eager.contains(id)) {
        sendAccepts(id, entries);
      } else {
        owe(id, entries, now);
      }
    }
  }

  private void owe(int follower, List<Entry> entries, long now) {
    if (owed.isEmpty()) {
      owedSince = now;
    }
    List<Entry> list = owed.computeIfAbsent(follower, id -> new ArrayList<>());
    list.addAll(entries);
    if (list.size() >= config.maxBatchCommands()) {
      sendAccepts(follower, owed.remove(follower)); // a full batch goes at once
    }
  }

  /** Sends every follower what it is owed. */
  private void flushOwed() {
    for (Map.Entry<Integer, List<Entry>> e : owed.entrySet()) {
      sendAccepts(e.getKey(), e.getValue());
    }
    owed.clear();
  }

  /** How long entries may wait for a follower outside the eager set: a third of a retransmit. */
  private long lazyFlushMillis() {
    return Math.max(1, config.retransmitMillis() / 3);
  }

  /** Sends entries to one acceptor, in messages of bounded size. */
  private void sendAccepts(int to, List<Entry> entries) {
    List<Entry> group = new ArrayList<>();
    int bytes = 0;
    for (Entry e : entries) {
      if (!group.isEmpty() && bytes + e.value().bytes() > config.maxBatchBytes()) {
        out.now(new Message.Accept(config.selfId(), to, ballot, group, log.chosenIndex()));
        group = new ArrayList<>();
        bytes = 0;
      }
      group.add(e);
      bytes += e.value().bytes();
    }
    if (!group.isEmpty()) {
      out.now(new Message.Accept(config.selfId(), to, ballot, group, log.chosenIndex()));
    }
  }

  /**
   * Counts acceptances; returns the slots that became chosen and are next in order, so the node can
   * record them. Out-of-order chosen slots wait in the window until the gap fills.
   */
  List<Entry> onAccepted(Message.Accepted a, long now) {
    if (phase != Phase.LEADING || a.ballot() != ballot) {
      return List.of();
    }
    for (long slot : a.slots()) {
      SlotProgress p = inflight.get(slot);
      if (p == null
          || !p.acceptedBy.add(a.from())
          || p.chosen
          || p.acceptedBy.size() < config.majority()) {
        continue;
      }
      p.chosen = true;
      eager = eagerAfter(p);
    }
    touch(a.from(), -1, now);
    List<Entry> chosen = new ArrayList<>();
    long expect = log.chosenIndex() + 1;
    while (!inflight.isEmpty()
        && inflight.firstKey() == expect
        && inflight.firstEntry().getValue().chosen) {
      chosen.add(inflight.pollFirstEntry().getValue().entry);
      expect++;
    }
    return chosen;
  }

  /**
   * Who gets accepts at once from now on: followers that made {@code chosen}'s majority (the quick
   * ones), topped up with earlier eager ones and then any, to one short of a majority: with this
   * leader's own acceptance they choose a slot. The leader's flush starts before any follower has
   * the accept, so it is rarely the one waited for; and a third eager follower, kept in case one is
   * slow, cost more than it saved on two shared cores (each write then woke and flushed four
   * replicas, and their flushes queued behind each other: docs/benchmarks.md). A slow eager
   * follower costs at most a lazy flush interval, after which whoever answered is eager.
   */
  private Set<Integer> eagerAfter(SlotProgress chosen) {
    int want = config.majority() - 1;
    Set<Integer> next = new TreeSet<>();
    for (int id : chosen.acceptedBy) {
      if (id != config.selfId() && next.size() < want) {
        next.add(id);
      }
    }
    if (eager != null) {
      for (int id : eager) {
        if (next.size() >= want) {
          break;
        }
        next.add(id);
      }
    }
    for (int id : config.replicaIds()) {
      if (next.size() >= want) {
        break;
      }
      if (id != config.selfId()) {
        next.add(id);
      }
    }
    return next;
  }

  /** Drops window slots the log already holds as chosen (learned by catch-up meanwhile). */
  void forgetChosenBelow(long chosenIndex) {
    inflight.headMap(chosenIndex, true).clear();
  }

  // ---- lease and liveness -------------------------------------------------------------------

  void onHeartbeatAck(Message.HeartbeatAck ack, long now) {
    if (lease != null && ack.ballot() == ballot) {
      lease.onAck(ack.round(), ack.from());
      touch(ack.from(), ack.chosenIndex(), now);
    }
  }

  private void touch(int peer, long chosenIndex, long now) {
    PeerProgress old = peers.get(peer);
    long chosen = chosenIndex >= 0 ? chosenIndex : old == null ? 0 : old.chosenIndex();
    peers.put(peer, new PeerProgress(peer, chosen, now));
  }

  private void heartbeat(long now) {
    lastHeartbeatAt = now;
    long round = lease.newRound(now);
    for (int id : config.replicaIds()) {
      out.now(new Message.Heartbeat(config.selfId(), id, ballot, round, log.chosenIndex()));
    }
  }

  /** Heartbeats and retransmission; returns false if this leadership should end. */
  boolean tick(long now) {
    if (phase == Phase.PREPARING) {
      if (now - lastPrepareAt >= config.retransmitMillis()) {
        broadcastPrepare(now);
      }
      return true;
    }
    if (now - lastHeartbeatAt >= config.heartbeatMillis()) {
      heartbeat(now);
    }
    if (!owed.isEmpty() && now - owedSince >= lazyFlushMillis()) {
      flushOwed();
    }
    for (SlotProgress p : inflight.values()) {
      if (now - p.lastSentAt >= config.retransmitMillis()) {
        p.lastSentAt = now;
        for (int id : config.replicaIds()) {
          if (!p.acceptedBy.contains(id)) {
            sendAccepts(id, List.of(p.entry));
          }
        }
      }
    }
    long silence = Math.max(config.electionTimeoutMillis(), config.leaseMillis()) * 2;
    return now - lease.lastMajorityAt() <= silence;
  }

  /** When {@link #tick} next has something to do: a retransmission, a heartbeat, or the end. */
  long nextDeadline() {
    if (phase == Phase.PREPARING) {
      return lastPrepareAt + config.retransmitMillis();
    }
    long next = lastHeartbeatAt + config.heartbeatMillis();
    if (!owed.isEmpty()) {
      next = Math.min(next, owedSince + lazyFlushMillis());
    }
    for (SlotProgress p : inflight.values()) {
      next = Math.min(next, p.lastSentAt + config.retransmitMillis());
    }
    long silence = Math.max(config.electionTimeoutMillis(), config.leaseMillis()) * 2;
    return Math.min(next, lease.lastMajorityAt() + silence + 1);
  }

  /** Commands that were queued but never put in a slot: their callers must be told. */
  List<Command> abandon() {
    List<Command> dropped = new ArrayList<>(pending);
    pending.clear();
    return dropped;
  }

  boolean leaseValid(long now) {
    return lease != null && lease.isValid(now);
  }

  long leaseRemaining(long now) {
    return lease == null ? 0 : lease.remaining(now);
  }

  long leadershipSlot() {
    return leadershipSlot;
  }

  int pendingCount() {
    return pending.size();
  }

  int inflightCount() {
    return inflight.size();
  }

  List<PeerProgress> peers() {
    return List.copyOf(peers.values());
  }
}
