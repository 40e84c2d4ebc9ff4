package io.lockd.paxos;

import io.lockd.invariant.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The Multi-Paxos core of one replica: acceptor, learner and (when elected) leader. It is a pure
 * state machine: the driver feeds it messages, ticks and proposals together with the current time
 * of the replica's monotonic clock, and collects a {@link Ready} saying what to persist, send and
 * apply. It never touches threads, sockets, files or clocks, so the simulation runs exactly this
 * code.
 */
public final class PaxosNode {
  /** A time long before any real one that still leaves room for subtraction without overflow. */
  public static final long NEVER = Long.MIN_VALUE / 4;

  private final PaxosConfig config;
  private final int self;
  private final RandomGenerator random;
  private final AcceptorLog log;
  private final Acceptor acceptor;
  private final Outbox out = new Outbox();

  private Leadership leadership;

  /** Set while this replica leads after its own removal governs: it hands leadership over. */
  private Handover handover;

  private PreVoteRound preVote;
  private long highestBallotSeen;
  private long appliedIndex;
  private long electionDeadline;

  private int leaderId = -1;
  private long leaderBallot;
  private long lastLeaderContact = NEVER;

  private final CatchUp catchUp;

  /**
   * While the chosen index is below it, this acceptor answers no prepare: see abstainUntilChosen.
   */
  private long abstainUntilChosen;

  private final CellTrust trust;

  /** The configurations this replica knows from its chosen log (and snapshot). */
  private final Configurations configs;

  private final Set<Integer> snapshotRequesters = new TreeSet<>();
  private Predicate<SnapshotBytes> snapshotReadable = state -> true;

  /**
   * Starts from what the acceptor store recovered.
   *
   * @param now the replica's monotonic time at start; the acceptor promises nothing for one lease
   *     from here, because it cannot know what lease it granted before a crash
   */
  public PaxosNode(
      PaxosConfig config,
      RandomGenerator random,
      long promised,
      List<Entry> entries,
      long chosenIndex,
      long snapshotIndex,
      SnapshotBytes snapshot,
      long now) {
    this.config = config;
    this.self = config.selfId();
    this.random = random;
    this.log = new AcceptorLog(entries, chosenIndex, snapshotIndex, snapshot);
    this.acceptor = new Acceptor(promised, config.leaseMillis(), now);
    this.highestBallotSeen = promised;
    this.appliedIndex = log.snapshotIndex();
    this.configs = new Configurations(Membership.ofVoters(config.replicaIds()));
    this.trust = new CellTrust(config, out, configs::latest);
    this.catchUp = new CatchUp(self, config.retransmitMillis(), out);
    if (log.snapshotIndex() > 0) {
      MembershipSnapshot.Parts parts = MembershipSnapshot.unwrap(log.snapshot());
      if (parts.configurations() != null) {
        configs.restore(parts.configurations());
      }
      out.snapshot = new Ready.InstalledSnapshot(log.snapshotIndex(), parts.state());
    }
    for (long s = log.snapshotIndex() + 1; s <= log.chosenIndex(); s++) {
      configs.learn(log.get(s));
    }
    deliverChosen();
    resetElectionTimer(now);
  }

  /**
   * The store lost synced acceptances up to {@code slot} (a disk fault it detected): until this
   * replica knows every slot up to there as chosen (from its peers, by catch-up), it answers no
   * prepare, grants no pre-vote and does not campaign, since its promise could hide a value a
   * majority chose with its lost vote. Its promise survived, so it keeps accepting: a phase 2 vote
   * under a promise it still holds is sound.
   */
  public void abstainUntilChosen(long slot) {
    abstainUntilChosen = slot;
  }

  private boolean abstaining() {
    return log.chosenIndex() < abstainUntilChosen;
  }

  /**
   * Tells the core how to check that a snapshot from a peer can be read by the state machine,
   * before it replaces anything with it: one it cannot read would stop the replica at once, and
   * again at every restart once stored.
   */
  public void checkSnapshotsWith(Predicate<SnapshotBytes> readable) {
    this.snapshotReadable = readable;
  }

  /**
   * Tells the core where to put a snapshot arriving from a peer, chunk by chunk (in memory unless
   * told: production gives it a file of the acceptor store).
   */
  public void receiveSnapshotsInto(Supplier<SnapshotSink> sinks) {
    catchUp.receiveInto(sinks);
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Handles one message from a peer (or from this replica to itself). */
  public void step(Message m, long now) {
    Invariants.check(m.to() == self, "message for %d delivered to %d", m.to(), self);
    if (m instanceof Message.StateChecksum c) {
      if (trust.onStateChecksum(c, appliedIndex, now)) {
        diverged(now);
      }
      forgetDistrustedLeader();
      catchUpFromChecksum(c, now);
      return;
    }
    if (trust.divergence() != null) {
      // Neither votes nor serves its state: it only takes in the snapshot it is rebuilt from.
      if (m instanceof Message.SnapshotChunk c && trust.isSource(c.from())) {
        onRebuildChunk(c, now);
      }
      return;
    }
    if (m instanceof Message.SnapshotRequest r) {
      onSnapshotRequest(r);
      return;
    }
    if (trust.distrusts(m.from()) && !(m instanceof Message.CatchUpRequest)) {
      return; // its claims are not believed; handing it chosen entries harms no one
    }
    if (m instanceof Message.PreVote v) {
      onPreVote(v, now);
    } else if (m instanceof Message.PreVoteReply r) {
      onPreVoteReply(r, now);
    } else if (m instanceof Message.Prepare p) {
      onPrepare(p, now);
    } else if (m instanceof Message.Promise p) {
      onPromise(p, now);
    } else if (m instanceof Message.Accept a) {
      onAccept(a, now);
    } else if (m instanceof Message.Accepted a) {
      onAccepted(a, now);
    } else if (m instanceof Message.Nack n) {
      onNack(n, now);
    } else if (m instanceof Message.Heartbeat h) {
      onHeartbeat(h, now);
    } else if (m instanceof Message.HeartbeatAck h) {
      onHeartbeatAck(h, now);
    } else if (m instanceof Message.CatchUpRequest r) {
      onCatchUpRequest(r);
    } else if (m instanceof Message.CatchUpEntries c) {
      onCatchUpEntries(c, now);
    } else if (m instanceof Message.SnapshotChunk c) {
      onSnapshotChunk(c, now);
    } else if (m instanceof Message.TimeoutNow t) {
      onTimeoutNow(t, now);
    }
  }

  /**
   * The connection to {@code peer} broke or could not be made. If that is the leader this replica
   * follows, the leader may well be dead (a killed process resets its connections), so the election
   * timer runs out now instead of a whole timeout after the last heartbeat. Nothing else changes:
   * the pre-vote that follows still waits until a majority's lease grants to the old leader ran
   * out, so a live leader behind a flaky link costs only a round of refused asks, and the hint is
   * back with its next heartbeat.
   */
  public void peerLost(int peer, long now) {
    if (leadership == null && peer == leaderId && peer != self) {
      electionDeadline = Math.min(electionDeadline, now);
      leaderId = -1;
    }
  }

  /** Advances timers: elections, pre-votes, heartbeats, retransmissions, catch-up retries. */
  public void tick(long now) {
    trust.tick(now);
    if (trust.divergence() != null) {
      if (now >= trust.nextAskAt(catchUp.snapshotPatience()) && catchUp.noSnapshotArriving(now)) {
        catchUp.dropSnapshot();
        trust.askForState(now);
      }
      return;
    }
    if (leadership == null) {
      if (now >= electionDeadline && abstaining()) {
        resetElectionTimer(now);
      } else if (now >= electionDeadline) {
        startPreVote(now);
      } else if (preVote != null) {
        preVote.tick(now);
      }
    } else if (!isVoter() && leadership.phase() != Leadership.Phase.LEADING) {
      // Its removal governs now: the others elect (docs/consensus.md, "Membership change").
      stepDown(now);
    } else if (!leadership.isLeader() && now >= electionDeadline) {
      // Phase 1 did not gather a majority in time: ask again before trying a higher ballot.
      stepDown(now);
      startPreVote(now);
    } else if (!leadership.tick(now)) {
      stepDown(now);
    }
    maybeHandOver(now);
    if (catchUp.behind(log.chosenIndex())) {
      catchUp.request(catchUpSource(), log.chosenIndex(), now);
    }
  }

  /**
   * The earliest time at which {@link #tick} may have something to do, so that a driver can sleep
   * until then instead of ticking at a fixed rate (it must still tick then, or earlier: ticking
   * early is harmless). Inputs may move it earlier; ask again after each one.
   */
  public long nextDeadline(long now) {
    long next = trust.nextDeadline();
    if (trust.divergence() != null) {
      return Math.min(next, trust.nextAskAt(catchUp.snapshotPatience()));
    }
    if (leadership == null) {
      next =
          Math.min(
              next,
              preVote == null ? electionDeadline : Math.min(electionDeadline, preVote.nextAskAt()));
    } else if (!leadership.isLeader()) {
      next = Math.min(next, Math.min(electionDeadline, leadership.nextDeadline()));
    } else {
      next = Math.min(next, leadership.nextDeadline());
      if (handover != null) {
        next = Math.min(next, handover.deadline());
      }
    }
    if (catchUp.behind(log.chosenIndex())) {
      next = Math.min(next, catchUp.retryAt(now));
    }
    return next;
  }

  /**
   * Offers a command for the log; only a leader queues it. A leader whose removal is chosen takes
   * nothing more: it is about to hand over, and {@link #leaderHint} names its successor.
   */
  public ProposeResult propose(Command command) {
    if (leadership == null || !leadership.isLeader() || removalChosen()) {
      return ProposeResult.NOT_LEADER;
    }
    return leadership.propose(command);
  }

  /**
   * Offers a membership change: a leader turns it into the next configuration and queues it as a
   * command with {@code commandId}, whose application answers the caller. Returns null if queued,
   * else why not (docs/consensus.md, "Membership change").
   */
  public MembershipChange.Refusal proposeChange(MembershipChange change, long commandId) {
    if (leadership == null || !leadership.isLeader()) {
      return new MembershipChange.Refusal(
          MembershipChange.Refusal.Kind.NOT_LEADER, "this replica does not lead");
    }
    if (removalChosen()) {
      return new MembershipChange.Refusal(
          MembershipChange.Refusal.Kind.NOT_LEADER,
          "this replica was removed from the cell and is handing leadership over");
    }
    try {
      leadership.proposeChange(change, commandId);
      return null;
    } catch (MembershipRules.Refused r) {
      return r.refusal;
    }
  }

  /** The newest configuration this replica knows to be chosen (it may not govern yet). */
  public Membership membership() {
    return configs.latest();
  }

  /** The configuration governing the next slot this replica has not learned. */
  public Membership governingMembership() {
    return configs.governing(log.chosenIndex() + 1);
  }

  /** True once a chosen configuration no longer counts this replica as a voter. */
  private boolean removalChosen() {
    return !configs.latest().isVoter(self);
  }

  /** True while this replica is a voter of the configuration governing its next slot. */
  private boolean isVoter() {
    return configs.governing(log.chosenIndex() + 1).isVoter(self);
  }

  /**
   * Tells the core the state machine was snapshotted at {@code index} (at most the applied index),
   * so that the log below it can be dropped and lagging replicas sent the snapshot.
   */
  public void snapshotTaken(long index, byte[] state) {
    snapshotReady(
        index, () -> SnapshotBytes.of(MembershipSnapshot.wrap(configs.encodeAt(index), state)));
  }

  /**
   * The configurations a snapshot of the state at {@code index} carries ({@link
   * MembershipSnapshot#wrap}), for a driver that wraps the snapshot away from the replica's thread;
   * ask while the state is at {@code index}.
   */
  public byte[] snapshotConfigurations(long index) {
    return configs.encodeAt(index);
  }

  /**
   * As {@link #snapshotTaken}, with the snapshot already wrapped with {@link
   * #snapshotConfigurations} of its index: copying a large state is not the replica thread's work.
   */
  public void snapshotStored(long index, SnapshotBytes stored) {
    snapshotReady(index, () -> stored);
  }

  private void snapshotReady(long index, Supplier<SnapshotBytes> stored) {
    Invariants.check(index <= appliedIndex, "snapshot %d beyond applied %d", index, appliedIndex);
    boolean healthy = trust.divergence() == null;
    if (index > log.snapshotIndex() && healthy) {
      SnapshotBytes bytes = stored.get();
      log.installSnapshot(index, bytes);
      out.write(new StoreWrite.Snapshot(index, bytes));
    }
    if (log.snapshotIndex() > 0 && healthy) {
      snapshotRequesters.forEach(this::sendSnapshot);
    }
    snapshotRequesters.clear();
  }

  /**
   * The driver took the state machine's checksum after applying every slot up to {@code index}. It
   * goes to every peer, and is compared with theirs at the same index ({@link StateChecksums}): a
   * replica whose state differs from the majority's stops voting and serving and is rebuilt from a
   * healthy peer's snapshot.
   */
  public void checksumTaken(long index, long checksum, long now) {
    if (trust.divergence() != null || index > appliedIndex) {
      return; // a state being replaced (or not yet there) proves nothing
    }
    if (trust.checksumTaken(index, checksum, appliedIndex, now)) {
      diverged(now);
    }
    forgetDistrustedLeader();
  }

  /** Collects everything the inputs since the last call asked for. */
  public Ready ready(long now) {
    if (leadership != null) {
      leadership.flush(now);
    }
    return out.drain();
  }

  // ---- acceptor -----------------------------------------------------------------------------

  /**
   * Answers whether this acceptor would promise the sender a fresh ballot now, by the same lease
   * and quiet-period rule a prepare meets. It changes nothing and writes nothing.
   */
  private void onPreVote(Message.PreVote v, long now) {
    // A learner or a removed replica never grants: it is no part of any quorum.
    boolean granted = !abstaining() && isVoter() && acceptor.refuseCandidate(v.from(), now) == null;
    out.now(new Message.PreVoteReply(self, v.from(), v.ballot(), acceptor.promised(), granted));
  }

  private void onPrepare(Message.Prepare p, long now) {
    seeBallot(p.ballot());
    if (abstaining()) {
      return; // silent, as a crashed acceptor: the candidate needs a majority of the others
    }
    Message.NackReason refusal = acceptor.refusePromise(p.ballot(), now);
    if (refusal != null) {
      out.now(new Message.Nack(self, p.from(), p.ballot(), acceptor.promised(), refusal));
      return;
    }
    if (acceptor.promise(p.ballot())) {
      out.write(new StoreWrite.Promised(p.ballot()));
    }
    if (leadership != null && leadership.ballot < p.ballot()) {
      stepDown(now);
    }
    if (p.from() != self) {
      resetElectionTimer(now); // give the candidate time to finish before competing
      preVote = null;
    }
    // Slots up to this acceptor's chosen index are chosen: the candidate fetches those by
    // catch-up, so the promise carries only what is merely accepted.
    long after = Math.max(p.fromSlot() - 1, log.chosenIndex());
    out.afterDurable(
        new Message.Promise(self, p.from(), p.ballot(), log.chosenIndex(), log.after(after)));
  }

  private void onAccept(Message.Accept a, long now) {
    for (Entry e : a.entries()) {
      String contradiction = log.contradiction(e);
      if (contradiction != null) {
        distrust(a.from(), contradiction, now);
        return;
      }
    }
    seeBallot(a.ballot());
    if (a.ballot() < acceptor.promised()) {
      out.now(
          new Message.Nack(
              self, a.from(), a.ballot(), acceptor.promised(), Message.NackReason.HIGHER_BALLOT));
      return;
    }
    if (acceptor.promise(a.ballot())) {
      out.write(new StoreWrite.Promised(a.ballot()));
    }
    if (leadership != null && leadership.ballot < a.ballot()) {
      stepDown(now);
    }
    acceptor.grantLease(a.from(), a.ballot(), now);
    List<Long> slots = new ArrayList<>(a.entries().size());
    for (Entry e : a.entries()) {
      if (e.ballot() != a.ballot()) {
        continue; // the transport's checks refuse such an accept; never trust one further
      }
      if (removedAt(e.slot())) {
        continue; // this replica is no acceptor for slots its removal governs
      }
      if (log.put(e)) {
        out.write(new StoreWrite.Accepted(e));
      }
      // Acknowledge what this acceptor holds at that ballot, or the value it knows is chosen
      // there; never a different value for a chosen slot (a deposed leader's proposal).
      Entry held = log.get(e.slot());
      if (held != null
          && (held.ballot() == e.ballot()
              || (e.slot() <= log.chosenIndex() && held.value().equals(e.value())))) {
        slots.add(e.slot());
      }
    }
    heardFromLeader(a.from(), a.ballot(), now);
    learn(a.ballot(), a.chosenIndex(), a.from(), now);
    out.afterDurable(new Message.Accepted(self, a.from(), a.ballot(), slots));
  }

  private void onHeartbeat(Message.Heartbeat h, long now) {
    seeBallot(h.ballot());
    if (h.ballot() < acceptor.promised()) {
      out.now(
          new Message.Nack(
              self, h.from(), h.ballot(), acceptor.promised(), Message.NackReason.HIGHER_BALLOT));
      return;
    }
    if (leadership != null && leadership.ballot < h.ballot()) {
      stepDown(now);
    }
    acceptor.grantLease(h.from(), h.ballot(), now);
    heardFromLeader(h.from(), h.ballot(), now);
    learn(h.ballot(), h.chosenIndex(), h.from(), now);
    out.now(new Message.HeartbeatAck(self, h.from(), h.ballot(), h.round(), log.chosenIndex()));
  }

  /**
   * The leader of {@code t.ballot()} gave its lease up and hands over: the grant made to it no
   * longer binds this acceptor, and the named candidate starts Phase 1 at once, skipping the
   * election timeout and the pre-vote (which only asks whether a live lease is in the way, and the
   * lease holder just said there is none). A candidate that has promised a later ballot since
   * ignores it: someone else already campaigns, and a late handover must not depose that one.
   */
  private void onTimeoutNow(Message.TimeoutNow t, long now) {
    acceptor.releaseLease(t.ballot());
    if (t.candidate() == self
        && leadership == null
        && t.ballot() >= acceptor.promised()
        && isVoter()
        && !abstaining()) {
      campaign(now);
    }
  }

  /**
   * True if a configuration this replica knows (its own log) removed it from {@code slot} on. A
   * replica that is about to join has not learned its addition yet, so it still accepts.
   */
  private boolean removedAt(long slot) {
    return configs.knows(self) && !configs.governing(slot).contains(self);
  }

  private void heardFromLeader(int from, long ballot, long now) {
    if (from == self) {
      return;
    }
    if (leadership != null && !leadership.isLeader()) {
      leadership = null; // a leader at a ballot we may accept is alive: stop campaigning
    }
    preVote = null;
    leaderId = from;
    leaderBallot = ballot;
    lastLeaderContact = now;
    resetElectionTimer(now);
  }

  private void onHeartbeatAck(Message.HeartbeatAck h, long now) {
    if (leadership == null) {
      return;
    }
    leadership.onHeartbeatAck(h, now);
    if (h.chosenIndex() > log.chosenIndex()) {
      // A follower learned more than its leader (from an earlier leader): fetch it from there.
      catchUp.want(h.chosenIndex());
      catchUp.request(h.from(), log.chosenIndex(), now);
    }
    maybeHandOver(now);
  }

  // ---- learner ------------------------------------------------------------------------------

  /**
   * The leader of {@code ballot} says slots up to {@code chosen} are chosen. A value this replica
   * accepted at that same ballot is the leader's value for the slot, hence the chosen one; any
   * other slot must be fetched.
   */
  private void learn(long ballot, long chosen, int leader, long now) {
    long index = log.chosenIndex();
    while (index < chosen) {
      Entry e = log.get(index + 1);
      if (e == null || e.ballot() != ballot) {
        break;
      }
      index++;
    }
    markChosen(index);
    if (chosen > log.chosenIndex()) {
      catchUp.want(chosen);
      if (leader != self) {
        catchUp.request(leader, log.chosenIndex(), now);
      }
    }
  }

  private void markChosen(long index) {
    if (index <= log.chosenIndex()) {
      return;
    }
    long was = log.chosenIndex();
    log.setChosen(index);
    for (long s = was + 1; s <= index; s++) {
      configs.learn(log.get(s));
    }
    out.write(new StoreWrite.Chosen(index));
    if (leadership != null) {
      leadership.forgetChosenBelow(index);
    }
    deliverChosen();
  }

  private void deliverChosen() {
    while (appliedIndex < log.chosenIndex()) {
      appliedIndex++;
      out.chosen.add(log.get(appliedIndex));
    }
  }

  /**
   * A peer applied beyond what this replica knows to be chosen while it hears no leader: the leader
   * may be a member added in a slot this replica has not learned, whose links it refuses until it
   * knows the member (docs/transport.md), so it fetches the chosen log from that peer instead.
   */
  private void catchUpFromChecksum(Message.StateChecksum c, long now) {
    boolean leaderHeard = leaderId >= 0 && now - lastLeaderContact < config.electionTimeoutMillis();
    boolean follower = leadership == null;
    if (follower && c.index() > log.chosenIndex() && !leaderHeard && trust.divergence() == null) {
      catchUp.want(c.index());
      catchUp.request(c.from(), log.chosenIndex(), now);
    }
  }

  private int catchUpSource() {
    if (leadership != null && leadership.recoverySource() >= 0) {
      return leadership.recoverySource();
    }
    return leaderId;
  }

  private void onCatchUpRequest(Message.CatchUpRequest r) {
    if (r.fromSlot() > log.chosenIndex()) {
      return; // nothing chosen here that the requester lacks
    }
    if (r.fromSlot() <= log.snapshotIndex()) {
      sendSnapshot(r.from());
      return;
    }
    List<Entry> entries =
        log.range(r.fromSlot() - 1, log.chosenIndex(), config.catchUpMaxEntries());
    out.now(new Message.CatchUpEntries(self, r.from(), entries, log.chosenIndex()));
  }

  private void sendSnapshot(int to) {
    out.transfer(
        new Ready.SnapshotTransfer(
            self, to, log.snapshotIndex(), log.snapshot(), config.snapshotChunkBytes()));
  }

  private void onCatchUpEntries(Message.CatchUpEntries c, long now) {
    if (!catchUp.askedOf(c.from())) {
      return; // chosen entries are believed only from the replica asked for them
    }
    long index = log.chosenIndex();
    for (Entry e : c.entries()) {
      String contradiction = log.chosenContradiction(e);
      if (contradiction != null) {
        distrust(c.from(), contradiction, now);
        break;
      }
      if (e.slot() <= index) {
        continue;
      }
      if (e.slot() != index + 1) {
        break;
      }
      if (log.putChosen(e)) {
        out.write(new StoreWrite.Accepted(e));
      }
      index++;
    }
    markChosen(index);
    catchUp.want(c.chosenIndex());
    if (catchUp.behind(log.chosenIndex())) {
      catchUp.askAgainAtOnce(); // progress made: ask for the next part at once
      catchUp.request(c.from(), log.chosenIndex(), now);
    }
    afterLearning(now);
  }

  private void onSnapshotChunk(Message.SnapshotChunk c, long now) {
    if (c.snapshotIndex() <= log.chosenIndex() || !catchUp.askedOf(c.from())) {
      return; // a snapshot is believed only from the replica asked for catch-up
    }
    SnapshotBytes state = catchUp.assemble(c, now);
    if (state == null) {
      return; // more to come, or a gap or a stale chunk: the next catch-up request starts over
    }
    long index = c.snapshotIndex();
    MembershipSnapshot.Parts parts = readableSnapshot(state, c.from(), now);
    if (parts == null) {
      return;
    }
    log.installSnapshot(index, state);
    out.write(new StoreWrite.Snapshot(index, state));
    out.chosen.removeIf(e -> e.slot() <= index);
    appliedIndex = Math.max(appliedIndex, index);
    out.snapshot = new Ready.InstalledSnapshot(index, parts.state());
    if (leadership != null) {
      leadership.forgetChosenBelow(index);
    }
    catchUp.askAgainAtOnce();
    if (catchUp.behind(log.chosenIndex())) {
      catchUp.request(c.from(), log.chosenIndex(), now);
    }
    afterLearning(now);
  }

  /**
   * The parts of a snapshot {@code from} sent, if the state machine can read it and the
   * configurations it carries restore; else null, and {@code from} is distrusted: installing it
   * would stop this replica at once, and again at every restart.
   */
  private MembershipSnapshot.Parts readableSnapshot(SnapshotBytes state, int from, long now) {
    MembershipSnapshot.Parts parts = MembershipSnapshot.unwrap(state);
    if (snapshotReadable.test(parts.state())
        && (parts.configurations() == null || configs.restore(parts.configurations()))) {
      return parts;
    }
    distrust(from, "sent a snapshot the state machine cannot read", now);
    return null;
  }

  // ---- divergence -----------------------------------------------------------------------------

  /**
   * This replica's state differs from the majority's: it stops leading, voting and serving (every
   * message but the snapshot it asked for is ignored) until a replica that agrees with the majority
   * sent it a fresh snapshot ({@link CellTrust#askForState}).
   */
  private void diverged(long now) {
    stepDown(now);
    preVote = null;
    leaderId = -1;
    catchUp.dropSnapshot();
    snapshotRequesters.clear();
  }

  /** A diverged replica takes in the snapshot of a replica that agrees with the majority. */
  private void onRebuildChunk(Message.SnapshotChunk c, long now) {
    SnapshotBytes state = catchUp.assemble(c, now);
    if (state == null) {
      return;
    }
    long index = c.snapshotIndex();
    MembershipSnapshot.Parts parts = readableSnapshot(state, c.from(), now);
    if (parts == null) {
      trust.askAgainSoon();
      return;
    }
    long droppedThrough = log.rebuild(index, state);
    out.write(new StoreWrite.Rebuilt(index, droppedThrough, state));
    out.chosen.clear();
    appliedIndex = index;
    out.snapshot = new Ready.InstalledSnapshot(index, parts.state());
    trust.rebuilt();
    catchUp.clear();
    resetElectionTimer(now);
  }

  /** A peer asks for a fresh snapshot to rebuild itself from: the driver takes one now. */
  private void onSnapshotRequest(Message.SnapshotRequest r) {
    if (appliedIndex == 0 || r.from() == self) {
      return;
    }
    if (log.snapshotIndex() == appliedIndex) {
      sendSnapshot(r.from());
      return;
    }
    snapshotRequesters.add(r.from());
    out.snapshotWanted = true;
  }

  /**
   * A peer contradicted what this replica knows: its messages are ignored for a while (see {@link
   * Suspects}), and if it was the leader this replica follows, it follows it no more.
   */
  private void distrust(int peer, String reason, long now) {
    trust.distrust(peer, reason, appliedIndex, now);
    forgetDistrustedLeader();
  }

  private void forgetDistrustedLeader() {
    if (leaderId >= 0 && leaderId != self && trust.distrusts(leaderId)) {
      leaderId = -1;
    }
  }

  private void afterLearning(long now) {
    if (leadership != null) {
      leadership.maybeFinishRecovery(now);
    }
  }

  // ---- proposer -----------------------------------------------------------------------------

  /**
   * No leader heard for an election timeout: asks the acceptors whether they would promise this
   * replica a fresh ballot, before it raises its own promise (see {@link PreVoteRound}). If its own
   * acceptor may not promise yet (a lease it granted, or the quiet period after a restart), it
   * waits until that runs out.
   */
  private void startPreVote(long now) {
    preVote = null;
    resetElectionTimer(now);
    if (!isVoter()) {
      return; // learners and removed replicas never campaign
    }
    if (acceptor.refuseCandidate(self, now) != null) {
      waitForOwnAcceptor();
      return;
    }
    long ballot = Ballot.next(Math.max(highestBallotSeen, acceptor.promised()), self);
    preVote = new PreVoteRound(config, out, configs.inWindow(log.chosenIndex()), ballot, now);
    if (preVote.won()) {
      campaign(now); // a cell of one
    }
  }

  private void onPreVoteReply(Message.PreVoteReply r, long now) {
    seeBallot(r.promised()); // so that the campaign's ballot is above every granter's promise
    if (leadership != null || preVote == null) {
      return;
    }
    preVote.onReply(r);
    if (preVote.won()) {
      campaign(now);
    }
  }

  /**
   * Tries again just after the lease this replica's acceptor granted (or its quiet period) runs
   * out, with a little jitter so that replicas whose grants end together do not all start at once.
   */
  private void waitForOwnAcceptor() {
    long jitter = random.nextLong(config.retransmitMillis() + 1);
    electionDeadline = Math.min(electionDeadline, acceptor.freeAt() + jitter);
  }

  /**
   * Starts Phase 1 with a fresh ballot, after a won pre-vote (or as a leader answering a higher
   * ballot under its lease, see {@link #onNack}). The ballot is first promised by this replica's
   * own acceptor and made durable before any prepare leaves: a proposer that crashed and restarted
   * must never pick the same ballot again, or it could propose two values at one ballot.
   */
  private void campaign(long now) {
    preVote = null;
    long ballot = Ballot.next(Math.max(highestBallotSeen, acceptor.promised()), self);
    resetElectionTimer(now);
    if (acceptor.refusePromise(ballot, now) != null) {
      waitForOwnAcceptor();
      return;
    }
    highestBallotSeen = ballot;
    acceptor.promise(ballot);
    out.write(new StoreWrite.Promised(ballot));
    abandonPending();
    leadership = new Leadership(config, log, configs, out, ballot, now);
    leaderId = -1;
  }

  private void onPromise(Message.Promise p, long now) {
    seeBallot(p.ballot());
    if (leadership == null) {
      return;
    }
    leadership.onPromise(p, now);
    if (leadership.recoverySource() >= 0) {
      catchUp.want(leadership.recoveryTarget());
      catchUp.request(leadership.recoverySource(), log.chosenIndex(), now);
    }
    if (leadership.isLeader()) {
      leaderId = self;
    }
  }

  private void onAccepted(Message.Accepted a, long now) {
    if (leadership == null) {
      return;
    }
    List<Entry> chosen = leadership.onAccepted(a, now);
    if (chosen.isEmpty()) {
      return;
    }
    for (Entry e : chosen) {
      if (log.put(e)) {
        out.write(new StoreWrite.Accepted(e));
      }
    }
    markChosen(chosen.get(chosen.size() - 1).slot());
    maybeHandOver(now);
  }

  /**
   * A refusal of this replica's ballot. LEASE_HELD: a live lease elsewhere; Phase 1 retransmission
   * retries until it runs out. HIGHER_BALLOT: a candidate or leader stands down; but a leader whose
   * lease still holds runs Phase 1 again at once, above the higher ballot. While its lease holds no
   * other proposer can gather a majority of promises, and the acceptors that grant it the lease
   * will promise its new ballot; stepping down instead would cost the cell an election because one
   * acceptor promised a candidate that cannot win.
   */
  private void onNack(Message.Nack n, long now) {
    seeBallot(n.promised());
    if (leadership == null
        || n.ballot() != leadership.ballot
        || n.reason() != Message.NackReason.HIGHER_BALLOT
        || n.promised() <= leadership.ballot) {
      return;
    }
    boolean leasing = leadership.isLeader() && leadership.leaseValid(now);
    stepDown(now);
    if (leasing) {
      campaign(now);
    }
  }

  /**
   * A leader whose removal governs hands over (docs/consensus.md, "Handover"): it proposes nothing
   * more (nothing is left for it to propose: every slot its configuration governs is chosen), asks
   * for a heartbeat round at once to learn how far the remaining voters got, and as soon as the
   * most caught-up one has learned every slot it chose, it stops counting on its lease, tells every
   * member so and that voter to campaign now ({@link Message.TimeoutNow}), and steps down. Its
   * lease ends before any acceptor is told, so no later lease can overlap it. Without a caught-up
   * voter within an election timeout it steps down anyway.
   */
  private void maybeHandOver(long now) {
    if (leadership == null || leadership.phase() != Leadership.Phase.LEADING || isVoter()) {
      return;
    }
    if (handover == null) {
      handover = new Handover(now, config.electionTimeoutMillis());
      leadership.heartbeatNow(now);
      return;
    }
    Membership next = configs.governing(log.chosenIndex() + 1);
    long heardSince = now - config.electionTimeoutMillis();
    int successor =
        Handover.successor(leadership.peers(), next, self, heardSince, log.chosenIndex());
    if (successor >= 0) {
      long ballot = leadership.ballot;
      Set<Integer> audience = leadership.audience();
      stepDown(now);
      for (int id : audience) {
        if (id != self) {
          out.now(new Message.TimeoutNow(self, id, ballot, successor));
        }
      }
      leaderId = successor;
      lastLeaderContact = now;
    } else if (handover.expired(now)) {
      stepDown(now);
    }
  }

  private void stepDown(long now) {
    abandonPending();
    leadership = null;
    handover = null;
    if (leaderId == self) {
      leaderId = -1;
    }
    resetElectionTimer(now);
  }

  private void abandonPending() {
    if (leadership != null) {
      out.abandoned.addAll(leadership.abandon());
    }
  }

  private void seeBallot(long ballot) {
    highestBallotSeen = Math.max(highestBallotSeen, ballot);
  }

  private void resetElectionTimer(long now) {
    long jitter =
        config.electionJitterMillis() == 0 ? 0 : random.nextLong(config.electionJitterMillis() + 1);
    electionDeadline = now + config.electionTimeoutMillis() + jitter;
  }

  @Override
  public String toString() {
    return "PaxosNode{self="
        + self
        + " role="
        + role()
        + " ballot="
        + Ballot.toString(ballot())
        + (preVote != null ? " " + preVote : "")
        + (leadership != null ? " " + leadership : "")
        + " promised="
        + Ballot.toString(acceptor.promised())
        + " chosen="
        + log.chosenIndex()
        + " applied="
        + appliedIndex
        + " snapshot="
        + log.snapshotIndex()
        + " leader="
        + leaderId
        + " "
        + catchUp
        + " logSize="
        + log.size()
        + "}";
  }

  // ---- queries ------------------------------------------------------------------------------

  public Role role() {
    if (leadership == null) {
      return Role.FOLLOWER;
    }
    return leadership.isLeader() ? Role.LEADER : Role.CANDIDATE;
  }

  /**
   * True when this replica may answer a read from its own state: it leads, its lease holds, and its
   * own leadership no-op (hence everything chosen before it) has been applied; and its removal is
   * not chosen, so that clients move to its successor with everything else.
   */
  public boolean canServeReads(long now) {
    return leadership != null
        && !removalChosen()
        && leadership.phase() == Leadership.Phase.LEADING
        && leadership.leaseValid(now)
        && appliedIndex >= leadership.leadershipSlot();
  }

  /**
   * True while this replica leads under a valid lease (it alone may expire sessions). A leader
   * whose removal is chosen says no: it is handing over, proposes nothing more, and the session
   * duties that would propose belong to its successor. So does a leader still recovering: until it
   * has learned what its promisers reported chosen it may not know the configurations in force (a
   * promiser whose log was compacted past a membership change sends no entry for it, only its
   * chosen index), and a lease counted in a configuration that no longer governs proves nothing.
   * The lease rounds it earns meanwhile still count once it leads, under the configurations it then
   * knows.
   */
  public boolean holdsLease(long now) {
    return leadership != null
        && !removalChosen()
        && leadership.phase() == Leadership.Phase.LEADING
        && leadership.leaseValid(now);
  }

  public long leaseRemaining(long now) {
    return leadership == null ? 0 : leadership.leaseRemaining(now);
  }

  /**
   * The replica believed to lead now, or -1 if none is: this one while it leads (even before it
   * serves), else the leader last heard from, but only within an election timeout of hearing it.
   * After that it is presumed gone and an election may be running, so sending clients there would
   * only bounce them.
   */
  public int leaderHint(long now) {
    if (leadership != null && removalChosen()) {
      // About to hand over: send clients to the voter most likely to lead next.
      return Handover.mostCaughtUp(
          leadership.peers(), configs.latest(), self, now - config.electionTimeoutMillis());
    }
    if (leadership != null) {
      return leadership.isLeader() ? self : -1;
    }
    return leaderId >= 0 && now - lastLeaderContact <= config.electionTimeoutMillis()
        ? leaderId
        : -1;
  }

  public int selfId() {
    return self;
  }

  /** The ballot this replica leads or campaigns with, else the highest it has promised. */
  public long ballot() {
    return leadership != null ? leadership.ballot : acceptor.promised();
  }

  public long promised() {
    return acceptor.promised();
  }

  public long chosenIndex() {
    return log.chosenIndex();
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  public long snapshotIndex() {
    return log.snapshotIndex();
  }

  public long lastLeaderContact() {
    return lastLeaderContact;
  }

  public long leaderBallot() {
    return leaderBallot;
  }

  /** Commands waiting for a slot plus slots waiting to be chosen (0 unless leading). */
  public int backlog() {
    return leadership == null ? 0 : leadership.pendingCount() + leadership.inflightCount();
  }

  /** Why this replica's state differs from the majority's, or null while it does not. */
  public String divergence() {
    return trust.divergence();
  }

  /** How often this replica was rebuilt from a peer's snapshot since it started. */
  public long rebuilds() {
    return trust.rebuilds();
  }

  /** The peers this replica distrusts now, by id. */
  public List<Suspicion> suspicions() {
    return trust.suspicions();
  }

  /** Grows whenever the set of suspects changes, so that a driver knows when to look again. */
  public long suspicionChanges() {
    return trust.suspicionChanges();
  }

  /** What the leader last heard from each peer (empty unless leading). */
  public List<PeerProgress> peers() {
    return leadership == null ? List.of() : leadership.peers();
  }
}
