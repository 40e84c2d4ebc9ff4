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
 *
 * <p>Quorums are per slot: a slot is chosen by a majority of the voters of the configuration that
 * governs it ({@link Configurations}). Before proposing a slot the leader holds promises from a
 * majority of that configuration's voters, preparing a configuration it learns about late; its
 * lease needs a majority of every configuration in force or pending (docs/consensus.md, "Membership
 * change").
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
  private final Configurations configs;
  final long ballot;
  private final long prepareFrom;
  private Phase phase = Phase.PREPARING;

  /** The voters (of any configuration) that promised this ballot. */
  private final Set<Integer> promisedBy = new TreeSet<>();

  /** Per slot not yet proposed, the highest-ballot value any promiser reported. */
  private final TreeMap<Long, Entry> recovered = new TreeMap<>();

  /** Configuration changes in slots not yet chosen: proposed, or reported by promisers. */
  private final TreeMap<Long, Membership> changesInFlight = new TreeMap<>();

  /** The change this leader queued and has not yet put in a slot, or null. */
  private Membership queuedChange;

  /** Each promiser's chosen index, from its promise. */
  private final Map<Integer, Long> promisedChosen = new TreeMap<>();

  private long lastPrepareAt;
  private long recoverTo;
  private int recoverFrom = -1;
  private long recoveryChosen = -1;
  private long recoveryProgressAt;

  private final TreeMap<Long, SlotProgress> inflight = new TreeMap<>();

  private final ThriftyPhase2 accepts;
  private final ArrayDeque<Command> pending = new ArrayDeque<>();
  private long nextSlot;
  private long leadershipSlot = Long.MAX_VALUE;
  private boolean leadershipProposed;
  private LeaseTracker lease;
  private List<Membership> leaseConfigs = List.of();
  private long lastHeartbeatAt;
  private final Map<Integer, PeerProgress> peers = new TreeMap<>();

  Leadership(
      PaxosConfig config,
      AcceptorLog log,
      Configurations configs,
      Outbox out,
      long ballot,
      long now) {
    this.config = config;
    this.log = log;
    this.configs = configs;
    this.out = out;
    this.ballot = ballot;
    this.prepareFrom = log.chosenIndex() + 1;
    this.accepts = new ThriftyPhase2(config, configs, out, ballot, log::chosenIndex);
    broadcastPrepare(now);
  }

  Phase phase() {
    return phase;
  }

  boolean isLeader() {
    return phase != Phase.PREPARING;
  }

  // ---- Phase 1 ------------------------------------------------------------------------------

  /** Sends prepares to the voters of every configuration still short of a promising majority. */
  private void broadcastPrepare(long now) {
    lastPrepareAt = now;
    Set<Integer> ask = new TreeSet<>();
    for (Membership m : neededConfigs()) {
      if (!m.isQuorum(promisedBy)) {
        ask.addAll(m.voters());
      }
    }
    ask.removeAll(promisedBy);
    for (int id : ask) {
      // After the durable write of the candidate's own promise of this ballot (see campaign).
      out.afterDurable(new Message.Prepare(config.selfId(), id, ballot, prepareFrom));
    }
  }

  /** The configurations whose majority must have promised before this leadership goes on. */
  private List<Membership> neededConfigs() {
    List<Membership> needed = new ArrayList<>(configurationsInForce());
    if (phase == Phase.LEADING) {
      Membership next = configs.governing(Math.max(nextSlot, log.chosenIndex() + 1));
      if (!needed.contains(next)) {
        needed.add(next);
      }
    }
    return needed;
  }

  private boolean prepared(List<Membership> configurations) {
    for (Membership m : configurations) {
      if (!m.isQuorum(promisedBy)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The configurations in force or pending: those governing a slot from the chosen index + 1
   * through + ALPHA, and every change in a slot not yet chosen or queued here.
   */
  List<Membership> configurationsInForce() {
    List<Membership> k = configs.inWindow(log.chosenIndex());
    for (Membership m : changesInFlight.values()) {
      if (!k.contains(m)) {
        k.add(m);
      }
    }
    if (queuedChange != null && !k.contains(queuedChange)) {
      k.add(queuedChange);
    }
    return k;
  }

  void onPromise(Message.Promise p, long now) {
    if (p.ballot() != ballot || !promisedBy.add(p.from())) {
      return;
    }
    long from = Math.max(nextSlot, log.chosenIndex() + 1);
    for (Entry e : p.accepted()) {
      if (e.slot() < from) {
        continue;
      }
      Entry known = recovered.get(e.slot());
      if (known == null || e.ballot() > known.ballot()) {
        recovered.put(e.slot(), e);
        noteChanges(e);
      }
    }
    promisedChosen.put(p.from(), p.chosenIndex());
    updateRecoveryTarget();
    if (phase == Phase.PREPARING && prepared(configurationsInForce())) {
      lease = new LeaseTracker(config.leaderLeaseMillis(), now);
      phase = Phase.RECOVERING;
      heartbeat(now);
    }
    maybeFinishRecovery(now);
  }

  private void noteChanges(Entry e) {
    for (Command c : e.value().commands()) {
      Membership m = Membership.fromCommand(c);
      if (m != null) {
        changesInFlight.put(e.slot(), m);
      }
    }
  }

  /**
   * Slots a promiser knows to be chosen may have been truncated from its promise, so the leader
   * first learns them (catch-up); it also prepares every configuration a promised value or the
   * chosen log may bring into force. Then it leads: it re-proposes what the promises say about the
   * rest, slot by slot, as the window allows ({@link #advance}).
   */
  void maybeFinishRecovery(long now) {
    if (phase == Phase.RECOVERING) {
      updateRecoveryTarget(); // the configurations in force may have changed with the chosen log
    }
    if (phase != Phase.RECOVERING || log.chosenIndex() < recoverTo) {
      return; // the node keeps requesting catch-up from recoverFrom
    }
    if (!prepared(configurationsInForce())) {
      if (now - lastPrepareAt >= config.retransmitMillis()) {
        broadcastPrepare(now);
      }
      return;
    }
    recovered.headMap(log.chosenIndex(), true).clear();
    long last = recovered.isEmpty() ? log.chosenIndex() : recovered.lastKey();
    nextSlot = log.chosenIndex() + 1;
    leadershipSlot = last + 1;
    phase = Phase.LEADING;
    advance(now);
  }

  /**
   * The chosen index to learn before proposing: the highest any promiser that votes in a
   * configuration in force reported (recomputed as those change: each quorum that lets a slot be
   * proposed is made of such voters, so each of them has either reported its value for the slot or
   * had it learned from it). Those promisers leave out of their promise the slots they know chosen,
   * so the leader must fetch them; a non-voter's promise (a removed replica's) is not needed for
   * any quorum, and it may be gone before it answers a catch-up request.
   */
  private void updateRecoveryTarget() {
    List<Membership> needed = neededConfigs();
    recoverTo = 0;
    recoverFrom = -1;
    for (Map.Entry<Integer, Long> e : promisedChosen.entrySet()) {
      boolean votes = needed.stream().anyMatch(m -> m.isVoter(e.getKey()));
      if (votes && e.getValue() > recoverTo) {
        recoverTo = e.getValue();
        recoverFrom = e.getKey();
      }
    }
  }

  /**
   * The promiser the chosen entries are fetched from may be gone since it promised (a removed
   * replica that was stopped). If nothing was learned for two election timeouts, its promise is
   * dropped: the leader then needs a quorum without it (it asks again), and what it reported stays
   * among the values to re-propose, which is as safe as any superset of a quorum's reports.
   */
  private void forgetSilentRecoverySource(long now) {
    if (recoverTo <= log.chosenIndex() || recoverFrom < 0) {
      recoveryChosen = -1;
      return;
    }
    if (log.chosenIndex() != recoveryChosen) {
      recoveryChosen = log.chosenIndex();
      recoveryProgressAt = now;
      return;
    }
    if (now - recoveryProgressAt >= 2 * config.electionTimeoutMillis()) {
      promisedBy.remove(recoverFrom);
      promisedChosen.remove(recoverFrom);
      updateRecoveryTarget();
      recoveryChosen = -1;
    }
  }

  /** The replica to fetch chosen entries from while some promiser knows more of them, or -1. */
  int recoverySource() {
    return recoverTo > log.chosenIndex() ? recoverFrom : -1;
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

  /**
   * Queues the command that makes {@code change}'s configuration the next one, if the rules allow
   * it (one change at a time, see {@link MembershipRules}); throws the refusal otherwise.
   */
  void proposeChange(MembershipChange change, long commandId) throws MembershipRules.Refused {
    boolean settled =
        phase == Phase.LEADING
            && queuedChange == null
            && changesInFlight.isEmpty()
            && configs.settledAt(log.chosenIndex() + 1);
    int subject =
        change instanceof MembershipChange.Promote p
            ? p.id()
            : change instanceof MembershipChange.Remove r ? r.id() : -1;
    PeerProgress progress = peers.get(subject);
    long learnerChosen = progress == null ? -1 : progress.chosenIndex();
    Membership next =
        MembershipRules.next(configs.latest(), change, settled, learnerChosen, log.chosenIndex());
    queuedChange = next;
    pending.add(next.toCommand(commandId));
  }

  /** Cuts queued commands into slots (see {@link #advance}). */
  void flush(long now) {
    advance(now);
  }

  /**
   * Proposes the next slots, in order, while it may: a slot only once the chosen log fixes its
   * configuration (at most ALPHA above the chosen index) and a majority of that configuration's
   * voters promised this ballot. A slot gets the value a promiser reported for it, else the
   * leadership no-op, else queued commands while the pipeline window has room, else (while a chosen
   * change does not govern yet) a no-op, so that the change takes effect without waiting for
   * traffic.
   */
  private void advance(long now) {
    if (phase != Phase.LEADING) {
      return;
    }
    long chosen = log.chosenIndex();
    if (nextSlot <= chosen) {
      nextSlot = chosen + 1; // slots learned chosen meanwhile (by catch-up)
      if (!leadershipProposed) {
        leadershipSlot = Math.max(leadershipSlot, nextSlot);
      }
    }
    List<Entry> fresh = new ArrayList<>();
    while (nextSlot <= chosen + Membership.ALPHA && nextSlot > recoverTo) {
      long s = nextSlot;
      Entry reported = recovered.remove(s);
      boolean owed = reported != null || s <= leadershipSlot;
      boolean fill = !configs.settledAt(s) && configs.latestSlot() >= 1;
      boolean room = inflight.size() + fresh.size() < config.maxInflightSlots();
      if (!owed && !fill && (pending.isEmpty() || !room)) {
        break;
      }
      Membership m = configs.governing(s);
      if (!m.isQuorum(promisedBy)) {
        if (reported != null) {
          recovered.put(s, reported);
        }
        if (now - lastPrepareAt >= config.retransmitMillis()) {
          broadcastPrepare(now);
        }
        break;
      }
      Batch value;
      if (reported != null) {
        value = reported.value();
      } else if (s == leadershipSlot || !pending.isEmpty() && room) {
        value = s == leadershipSlot ? Batch.NOOP : cutBatch();
      } else {
        value = Batch.NOOP;
      }
      if (s == leadershipSlot) {
        leadershipProposed = true;
      }
      Entry e = new Entry(s, ballot, value);
      noteChanges(e);
      fresh.add(e);
      nextSlot++;
    }
    startSlots(fresh, now);
  }

  private Batch cutBatch() {
    List<Command> batch = new ArrayList<>();
    int bytes = 0;
    while (!pending.isEmpty() && batch.size() < config.maxBatchCommands()) {
      Command next = pending.peek();
      if (!batch.isEmpty() && bytes + next.size() > config.maxBatchBytes()) {
        break;
      }
      batch.add(pending.poll());
      bytes += next.size();
      if (Membership.isCommand(next)) {
        queuedChange = null; // from now on it is a change in flight
      }
    }
    return new Batch(batch);
  }

  /** Everyone who should hear this leader: the members of every configuration in force. */
  Set<Integer> audience() {
    Set<Integer> ids = new TreeSet<>();
    ids.add(config.selfId());
    for (Membership m : configurationsInForce()) {
      ids.addAll(m.members().keySet());
    }
    ids.addAll(configs.governing(Math.max(nextSlot, log.chosenIndex() + 1)).members().keySet());
    return ids;
  }

  /**
   * Proposes {@code entries}: this leader's window tracks them, {@link ThriftyPhase2} sends them.
   */
  private void startSlots(List<Entry> entries, long now) {
    if (entries.isEmpty()) {
      return;
    }
    for (Entry e : entries) {
      inflight.put(e.slot(), new SlotProgress(e, now));
    }
    accepts.propose(audience(), entries, now);
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
          || !configs.governing(slot).isQuorum(p.acceptedBy)) {
        continue;
      }
      p.chosen = true;
      accepts.chosen(p);
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

  /** Drops window slots the log already holds as chosen (learned by catch-up meanwhile). */
  void forgetChosenBelow(long chosenIndex) {
    inflight.headMap(chosenIndex, true).clear();
    recovered.headMap(chosenIndex, true).clear();
    changesInFlight.headMap(chosenIndex, true).clear();
  }

  // ---- lease and liveness -------------------------------------------------------------------

  void onHeartbeatAck(Message.HeartbeatAck ack, long now) {
    if (lease != null && ack.ballot() == ballot) {
      refreshLeaseConfigs();
      lease.onAck(ack.round(), ack.from(), this::leaseQuorum);
      touch(ack.from(), ack.chosenIndex(), now);
    }
  }

  /**
   * A lease round counts if a majority of every configuration in force or pending acked it, and a
   * majority of each promised this ballot: so any proposer that could choose a slot after this
   * leader must pass through acceptors that grant it the lease.
   */
  private boolean leaseQuorum(Set<Integer> acks) {
    for (Membership m : leaseConfigs) {
      if (!m.isQuorum(acks) || !m.isQuorum(promisedBy)) {
        return false;
      }
    }
    return true;
  }

  /** When a configuration joins the set in force, the lease so far proves nothing about it. */
  private void refreshLeaseConfigs() {
    List<Membership> now = configurationsInForce();
    List<List<Integer>> counted = leaseConfigs.stream().map(Membership::voters).toList();
    if (!now.stream().allMatch(m -> counted.contains(m.voters()))) {
      lease.reset();
    }
    leaseConfigs = now;
  }

  private void touch(int peer, long chosenIndex, long now) {
    PeerProgress old = peers.get(peer);
    long chosen = chosenIndex >= 0 ? chosenIndex : old == null ? 0 : old.chosenIndex();
    peers.put(peer, new PeerProgress(peer, chosen, now));
  }

  private void heartbeat(long now) {
    lastHeartbeatAt = now;
    long round = lease.newRound(now);
    for (int id : audience()) {
      out.now(new Message.Heartbeat(config.selfId(), id, ballot, round, log.chosenIndex()));
    }
  }

  /** Starts a heartbeat round now: the answers say at once how far each follower has learned. */
  void heartbeatNow(long now) {
    if (lease != null) {
      heartbeat(now);
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
    if (now - lastPrepareAt >= config.retransmitMillis() && !prepared(neededConfigs())) {
      broadcastPrepare(now);
    }
    forgetSilentRecoverySource(now);
    maybeFinishRecovery(now);
    if (now - lastHeartbeatAt >= config.heartbeatMillis()) {
      heartbeat(now);
    }
    accepts.tick(now);
    for (SlotProgress p : inflight.values()) {
      if (now - p.lastSentAt >= config.retransmitMillis()) {
        p.lastSentAt = now;
        for (int id : configs.governing(p.entry.slot()).members().keySet()) {
          if (!p.acceptedBy.contains(id)) {
            accepts.send(id, List.of(p.entry));
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
    if (!prepared(neededConfigs())) {
      next = Math.min(next, lastPrepareAt + config.retransmitMillis());
    }
    next = Math.min(next, accepts.nextDeadline());
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
    queuedChange = null;
    return dropped;
  }

  boolean leaseValid(long now) {
    if (lease == null) {
      return false;
    }
    refreshLeaseConfigs();
    return lease.isValid(now);
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

  @Override
  public String toString() {
    return "Leadership{"
        + phase
        + " promisedBy="
        + promisedBy
        + " inForce="
        + configurationsInForce()
        + " next="
        + nextSlot
        + " recoverTo="
        + recoverTo
        + " inflight="
        + inflight.size()
        + "}";
  }
}
