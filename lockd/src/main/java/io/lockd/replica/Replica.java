package io.lockd.replica;

import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.MembershipSnapshot;
import io.lockd.paxos.Message;
import io.lockd.paxos.PaxosConfig;
import io.lockd.paxos.PaxosNode;
import io.lockd.paxos.ProposeResult;
import io.lockd.paxos.Ready;
import io.lockd.paxos.Role;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.Suspicion;
import io.lockd.storage.RecoveredState;
import io.lockd.transport.MessageChecks;
import io.lockd.transport.PeerTransport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The driver that owns one replica's consensus core and does its I/O, in the order the core
 * dictates: persist, then send, then apply, then answer. It is single-threaded and never blocks:
 * production runs it on {@link ReplicaLoop}'s thread, the simulation calls it from its event queue.
 * Both use this class unchanged; only storage, transport and clock differ.
 *
 * <p>Inputs ({@link #onMessage}, {@link #onTick}, {@link #propose}) feed the core; {@link #flush}
 * then carries out what the core asked for. Messages that must wait for durable writes travel with
 * those writes to the {@link WriteSink}, which sends them once the writes are durable. Callers may
 * feed several inputs before one flush so that commands arriving together share a slot and a sync.
 */
public final class Replica {
  private final PaxosNode node;
  private final StateMachine stateMachine;
  private final PeerTransport transport;
  private final WriteSink writes;
  private final Clock clock;
  private final RandomGenerator random;
  private final ReplicaListener listener;
  private final long proposalTimeoutMillis;
  private final long snapshotEverySlots;
  private final long checksumEverySlots;
  private final long checksumIdleMillis;
  private final MessageChecks checks;
  private final SnapshotEncoder encoder;
  private final int self;

  private final ArrayDeque<Message> local = new ArrayDeque<>();
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private long submittedToken;
  private long appliedIndex;
  private long lastSnapshotIndex;
  private long lastAppliedAt;
  private long checksummedIndex;
  private Role role = Role.FOLLOWER;
  private long suspicionChanges;
  private final Map<Integer, Suspicion> distrusted = new TreeMap<>();
  private String divergence;
  private Membership announcedMembers;
  private Membership announcedLatest;
  private Membership announcedGoverning;

  /**
   * Captures being copied, a step per flush, each handed to the encoder once whole (one may serve
   * two needs).
   */
  private final List<Encoding> captured = new ArrayList<>();

  /** Whether a snapshot is being encoded: one at a time, the next waits for it. */
  private boolean snapshotEncoding;

  /** Counts state replacements, so that an encoding of a state since replaced is dropped. */
  private long restores;

  private long checksumIndex = -1;
  private long checksumValue;

  /**
   * The size of the newest state this replica encoded or installed (0: none yet). Snapshots and
   * checksums are spaced by it ({@link CaptureSpacing}): encoding a state costs in proportion to
   * its size, so a big state is encoded after proportionally more slots.
   */
  private long stateBytes;

  /** Bytes of commands applied since the last snapshot (what the log holds beyond it). */
  private long logBytesSinceSnapshot;

  private record Pending(ProposalCallback callback, long deadline) {}

  /** A captured state on its way to the encoder, and what its bytes will serve. */
  private static final class Encoding {
    final long index;
    final long restores;
    final StateMachine.Image image;
    boolean snapshot;
    boolean checksum;

    /**
     * The state's checksum, computed beside the loop with the encoding (a CRC over a large state is
     * tens of milliseconds); read on the loop after the hand-back, which orders the two.
     */
    long stateChecksum;

    /** For a snapshot: the configurations it carries (captured with the state). */
    byte[] configurations;

    /** For a snapshot: its stored form, encoded beside the loop. */
    SnapshotBytes stored;

    /** The state's encoded size (without the stored form's header); set with the encoding. */
    long stateLength;

    Encoding(long index, long restores, StateMachine.Image image) {
      this.index = index;
      this.restores = restores;
      this.image = image;
    }
  }

  /**
   * A replica whose snapshots and checksums are encoded by {@code encoder}: beside the loop in
   * production, {@link SnapshotEncoder#INLINE} where there is no loop.
   */
  public Replica(
      PaxosConfig config,
      RecoveredState recovered,
      StateMachine stateMachine,
      PeerTransport transport,
      WriteSink writes,
      Clock clock,
      RandomGenerator random,
      ReplicaOptions options,
      ReplicaListener listener,
      SnapshotEncoder encoder) {
    this.self = config.selfId();
    this.encoder = encoder;
    this.stateMachine = stateMachine;
    this.transport = transport;
    this.writes = writes;
    this.clock = clock;
    this.random = random;
    this.listener = listener;
    this.proposalTimeoutMillis = options.proposalTimeoutMillis();
    this.snapshotEverySlots = options.snapshotEverySlots();
    this.checksumEverySlots = options.checksumEverySlots();
    this.checksumIdleMillis = options.checksumIdleMillis();
    PaxosNode core =
        new PaxosNode(
            config,
            random,
            recovered.promised(),
            recovered.accepted(),
            recovered.chosenIndex(),
            recovered.snapshotIndex(),
            recovered.snapshot(),
            clock.nowMillis());
    this.node = core;
    // Any valid id: a replica behind the log cannot know every current member (one added in a slot
    // it has not learned yet leads it there), and refusing that member's messages would keep it
    // behind for good (docs/consensus.md, "Membership change").
    this.checks = new MessageChecks(id -> true);
    if (recovered.lostThroughSlot() > 0) {
      node.abstainUntilChosen(recovered.lostThroughSlot());
    }
    node.checkSnapshotsWith(stateMachine::readable);
    node.receiveSnapshotsInto(encoder::snapshotSink);
    this.lastSnapshotIndex = recovered.snapshotIndex();
    this.stateBytes = recovered.snapshot().size();
    this.lastAppliedAt = clock.nowMillis();
    flush();
  }

  // ---- inputs -------------------------------------------------------------------------------

  /**
   * A message from a peer (or from this replica to itself). One outside the protocol's ranges
   * ({@link MessageChecks#refusal}) is dropped here, whatever transport carried it, so that the
   * core only ever sees states the protocol can produce.
   */
  public void onMessage(Message m) {
    String refusal = m.to() != self ? "addressed to replica " + m.to() : checks.refusal(m);
    if (refusal != null) {
      listener.messageRefused(m.from(), refusal);
      return;
    }
    node.step(m, clock.nowMillis());
  }

  /** The transport lost its connection to {@code peer} (see {@link PaxosNode#peerLost}). */
  public void onPeerLost(int peer) {
    node.peerLost(peer, clock.nowMillis());
  }

  public void onTick() {
    long now = clock.nowMillis();
    node.tick(now);
    expireProposals(now);
    if (checksumDue() && now - lastAppliedAt >= checksumIdleMillis) {
      takeChecksum(appliedIndex);
    }
  }

  /**
   * The clock time by which {@link #onTick} must run next (the core's next timer or a proposal's
   * timeout); a driver may sleep until then unless an input arrives. Ask again after each input.
   */
  public long nextDeadline() {
    if (!captured.isEmpty()) {
      return clock.nowMillis(); // a capture is copied in steps, one per turn: come back at once
    }
    long next = node.nextDeadline(clock.nowMillis());
    if (checksumDue()) {
      next = Math.min(next, lastAppliedAt + checksumIdleMillis);
    }
    for (Pending p : pending.values()) {
      next = Math.min(next, p.deadline);
      break; // insertion order is deadline order: the timeout is the same for all
    }
    return next;
  }

  /**
   * Proposes a command. The callback fires on this replica's thread once the command is applied, or
   * at once if this replica cannot take it.
   */
  public void propose(byte[] payload, ProposalCallback callback) {
    long id = random.nextLong();
    while (id == 0 || pending.containsKey(id)) {
      id = random.nextLong();
    }
    ProposeResult result = node.propose(new Command(id, payload));
    switch (result) {
      case QUEUED ->
          pending.put(id, new Pending(callback, clock.nowMillis() + proposalTimeoutMillis));
      case NOT_LEADER -> callback.failed(ProposalFailure.NOT_LEADER, leaderHint());
      case OVERLOADED -> callback.failed(ProposalFailure.OVERLOADED, self);
    }
  }

  /**
   * Proposes a membership change (docs/consensus.md, "Membership change"). The callback fires once
   * the change is chosen and applied here; it fails at once with the refusal if this replica does
   * not lead or the change breaks a rule, and {@code refused} is told why.
   */
  public void proposeChange(
      MembershipChange change,
      ProposalCallback callback,
      java.util.function.Consumer<MembershipChange.Refusal> refused) {
    long id = random.nextLong();
    while (id == 0 || pending.containsKey(id)) {
      id = random.nextLong();
    }
    MembershipChange.Refusal refusal = node.proposeChange(change, id);
    if (refusal == null) {
      pending.put(id, new Pending(callback, clock.nowMillis() + proposalTimeoutMillis));
    } else {
      refused.accept(refusal);
    }
  }

  /** The newest configuration this replica knows to be chosen. */
  public Membership membership() {
    return node.membership();
  }

  /** The configuration that governs the next slot this replica has not learned. */
  public Membership governingMembership() {
    return node.governingMembership();
  }

  /**
   * Runs a read against the state machine if this replica may serve it from its own state now
   * (leader, lease held, own no-op applied), else returns {@code null}: ask the leader.
   */
  public <T> T readIfLeader(Function<StateMachine, T> read) {
    return node.canServeReads(clock.nowMillis()) ? read.apply(stateMachine) : null;
  }

  /** Reads the local state regardless of leadership (status pages, checksums, tests). */
  public <T> T readLocal(Function<StateMachine, T> read) {
    return read.apply(stateMachine);
  }

  // ---- the ordered I/O ----------------------------------------------------------------------

  /** Carries out everything the core asked for, including messages this replica sent itself. */
  public void flush() {
    boolean copied = false;
    for (int rounds = 0; rounds < 10_000; rounds++) {
      Ready ready = node.ready(clock.nowMillis());
      if (ready.isEmpty() && local.isEmpty()) {
        if (!copied && !captured.isEmpty()) {
          copied = true; // one step of copying per flush: the rest waits for the next turns
          encodeCaptured(); // an inline encoder hands the core more to carry out: go round again
          continue;
        }
        noticeRole();
        noticeTrust();
        return;
      }
      carryOut(ready);
      long now = clock.nowMillis();
      while (!local.isEmpty()) {
        node.step(local.poll(), now);
      }
    }
    throw new IllegalStateException("replica " + self + ": flush did not settle");
  }

  private void carryOut(Ready ready) {
    // Messages that wait for writes leave with them: the sink sends them once they are durable,
    // without a hop back through this thread. Writes first, so the disk starts early.
    List<Message> after = ready.sendAfterDurable();
    boolean hasWrites = !ready.writes().isEmpty();
    if (hasWrites) {
      submittedToken = ready.durableToken();
    }
    if (hasWrites || (!after.isEmpty() && ready.durableToken() > writes.durableToken())) {
      writes.submit(ready.durableToken(), ready.writes(), after);
    } else {
      after.forEach(this::route);
    }
    for (Message m : ready.sendNow()) {
      route(m);
    }
    for (Ready.SnapshotTransfer t : ready.sendSnapshots()) {
      transport.sendSnapshot(t);
    }
    if (ready.snapshot() != null) {
      restores++; // captures of the state being replaced are dropped when they come back
      stateMachine.restore(ready.snapshot().state());
      appliedIndex = ready.snapshot().index();
      lastSnapshotIndex = node.snapshotIndex();
      logBytesSinceSnapshot = 0;
      stateBytes = ready.snapshot().state().size();
      lastAppliedAt = clock.nowMillis();
      listener.snapshot(appliedIndex, stateBytes, true);
    }
    for (Entry e : ready.chosen()) {
      apply(e);
    }
    for (Command c : ready.abandoned()) {
      Pending p = pending.remove(c.id());
      if (p != null) {
        p.callback.failed(ProposalFailure.NOT_LEADER, leaderHint());
      }
    }
    if (!ready.chosen().isEmpty()) {
      lastAppliedAt = clock.nowMillis();
      listener.applied(appliedIndex);
      maybeSnapshot();
    }
    if (ready.snapshotWanted()) {
      snapshotNow();
    }
    announceMembers();
  }

  /**
   * Tells the transport when the configuration changed: it links to new members and unlinks those
   * no configuration in force or chosen names any more (a removed member is heard until its removal
   * governs: it may still be needed for a quorum until then).
   */
  private void announceMembers() {
    Membership latest = node.membership();
    Membership governing = node.governingMembership();
    if (latest == announcedLatest && governing == announcedGoverning) {
      return; // the core hands out the configurations it keeps: the same objects until a change
    }
    announcedLatest = latest;
    announcedGoverning = governing;
    Membership now = linkedMembers(latest, governing);
    if (!now.equals(announcedMembers)) {
      announcedMembers = now;
      transport.membersChanged(now);
    }
  }

  /** The newest configuration, plus the members of the governing one it removes. */
  static Membership linkedMembers(Membership latest, Membership governing) {
    java.util.TreeMap<Integer, Membership.Member> members = new java.util.TreeMap<>();
    members.putAll(governing.members());
    members.putAll(latest.members());
    java.util.TreeSet<Integer> retired = new java.util.TreeSet<>(latest.retired());
    retired.removeAll(members.keySet());
    return new Membership(members, retired);
  }

  private void apply(Entry e) {
    for (Command c : e.value().commands()) {
      // The core keeps the configuration; the state machine never sees its commands.
      byte[] result = Membership.isCommand(c) ? new byte[0] : stateMachine.apply(e.slot(), c);
      logBytesSinceSnapshot += c.size();
      Pending p = pending.remove(c.id());
      if (p != null) {
        p.callback.applied(e.slot(), result);
      }
    }
    appliedIndex = e.slot();
    if (appliedIndex % CaptureSpacing.checksumSlots(checksumEverySlots, stateBytes) == 0) {
      // The same slots on every replica, however batches fall: their states are the same size, and
      // a replica that knows another size still meets the others at multiples of the larger.
      takeChecksum(appliedIndex);
    }
  }

  private boolean checksumDue() {
    return appliedIndex > 0 && appliedIndex != checksummedIndex;
  }

  /**
   * Captures the state at {@code index} (this is the replica's thread: the state is at it now) for
   * its checksum; the encoding, which the checksum is taken of, happens beside the loop.
   */
  private void takeChecksum(long index) {
    checksummedIndex = index;
    capturedAt(index).checksum = true;
  }

  /** The capture of the state as it is now, made once however many needs it serves. */
  private Encoding capturedAt(long index) {
    if (!captured.isEmpty() && captured.get(captured.size() - 1).index == index) {
      return captured.get(captured.size() - 1);
    }
    Encoding e = new Encoding(index, restores, stateMachine.capture());
    captured.add(e);
    return e;
  }

  /** Copies one more step of each capture, and hands each that is whole to the encoder. */
  private void encodeCaptured() {
    List<Encoding> whole = new ArrayList<>();
    for (Iterator<Encoding> it = captured.iterator(); it.hasNext(); ) {
      Encoding e = it.next();
      if (e.image.copyMore()) {
        it.remove();
        whole.add(e);
      }
    }
    for (Encoding e : whole) {
      Runnable encoding =
          () -> {
            // A snapshot is encoded straight into its stored form, the configurations in front,
            // and into the encoder's sink (in production a file of the store) as it goes; the
            // checksum is taken from the blocks going by. An encoding for the checksum alone
            // keeps no bytes.
            byte[] prefix = e.snapshot ? MembershipSnapshot.header(e.configurations) : new byte[0];
            StateMachine.ChecksummingSink sink =
                new StateMachine.ChecksummingSink(
                    e.snapshot ? encoder.snapshotSink() : null, prefix.length, e.checksum);
            try {
              e.image.encodeTo(prefix, sink);
              e.stored = sink.finish();
            } catch (RuntimeException | Error failure) {
              sink.abandon();
              throw failure;
            }
            e.stateLength = sink.size() - prefix.length;
            e.stateChecksum = sink.checksum();
          };
      encoder.encode(encoding, ok -> encoded(e, ok));
    }
  }

  /** Back on the replica's thread with {@code e} encoded, unless {@code ok} says it failed. */
  private void encoded(Encoding e, boolean ok) {
    boolean current = ok && e.restores == restores;
    if (current) {
      stateBytes = e.stateLength;
    }
    if (e.snapshot) {
      snapshotEncoding = false;
      if (current) {
        node.snapshotStored(e.index, e.stored);
        listener.snapshot(e.index, e.stateLength, false);
      } else {
        // Whoever waits for a snapshot gets the one the log holds (the next request, a newer one).
        node.snapshotTaken(node.snapshotIndex(), new byte[0]);
        lastSnapshotIndex = Math.min(lastSnapshotIndex, node.snapshotIndex());
      }
    }
    if (e.checksum && current) {
      checksumIndex = e.index;
      checksumValue = e.stateChecksum;
      node.checksumTaken(e.index, e.stateChecksum, clock.nowMillis());
    }
  }

  private void route(Message m) {
    if (m.to() == self) {
      local.add(m);
    } else {
      transport.send(m);
    }
  }

  private void maybeSnapshot() {
    if (!snapshotEncoding
        && CaptureSpacing.snapshotDue(
            snapshotEverySlots,
            stateBytes,
            self,
            appliedIndex - lastSnapshotIndex,
            logBytesSinceSnapshot)) {
      snapshotAt(appliedIndex);
    }
  }

  private void snapshotAt(long index) {
    snapshotEncoding = true;
    lastSnapshotIndex = index;
    logBytesSinceSnapshot = 0;
    Encoding e = capturedAt(index);
    e.snapshot = true;
    e.configurations = node.snapshotConfigurations(index);
  }

  /**
   * A peer asked for a fresh snapshot to rebuild itself from: the core sends it once it is taken
   * (the one being encoded, if any, serves).
   */
  private void snapshotNow() {
    if (snapshotEncoding) {
      return;
    }
    if (appliedIndex > node.snapshotIndex()) {
      snapshotAt(appliedIndex);
    } else {
      node.snapshotTaken(node.snapshotIndex(), new byte[0]);
    }
  }

  private void expireProposals(long now) {
    Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Pending p = it.next().getValue();
      if (p.deadline > now) {
        break; // insertion order is deadline order: the timeout is the same for all
      }
      it.remove();
      p.callback.failed(ProposalFailure.TIMED_OUT, leaderHint());
    }
  }

  private void noticeRole() {
    Role now = node.role();
    if (now != role) {
      Role was = role;
      role = now;
      long heard = node.lastLeaderContact();
      long silent = heard == PaxosNode.NEVER ? -1 : clock.nowMillis() - heard;
      listener.roleChanged(was, now, node.ballot(), leaderHint(), silent);
    }
  }

  /** Tells the listener what changed in whom this replica trusts, and in its own health. */
  private void noticeTrust() {
    String now = node.divergence();
    if (!Objects.equals(now, divergence)) {
      String was = divergence;
      divergence = now;
      if (now != null) {
        listener.diverged(now);
      } else if (was != null) {
        listener.rebuilt(appliedIndex);
      }
    }
    if (node.suspicionChanges() == suspicionChanges) {
      return;
    }
    suspicionChanges = node.suspicionChanges();
    Map<Integer, Suspicion> current = new TreeMap<>();
    for (Suspicion s : node.suspicions()) {
      current.put(s.peer(), s);
      if (!distrusted.containsKey(s.peer())) {
        listener.peerDistrusted(s);
      }
    }
    for (int peer : distrusted.keySet()) {
      if (!current.containsKey(peer)) {
        listener.peerTrusted(peer);
      }
    }
    distrusted.clear();
    distrusted.putAll(current);
  }

  // ---- queries ------------------------------------------------------------------------------

  public ReplicaStatus status() {
    long now = clock.nowMillis();
    return new ReplicaStatus(
        self,
        node.role(),
        node.ballot(),
        node.promised(),
        leaderHint(),
        node.chosenIndex(),
        appliedIndex,
        node.snapshotIndex(),
        node.leaseRemaining(now),
        node.lastLeaderContact() == PaxosNode.NEVER ? -1 : now - node.lastLeaderContact(),
        node.backlog(),
        pending.size(),
        node.peers(),
        Math.max(0, submittedToken - writes.durableToken()),
        node.divergence(),
        node.suspicions(),
        node.rebuilds(),
        checksumIndex == appliedIndex ? checksumValue : 0);
  }

  public boolean holdsLease() {
    return node.holdsLease(clock.nowMillis());
  }

  public boolean canServeReads() {
    return node.canServeReads(clock.nowMillis());
  }

  @Override
  public String toString() {
    return node.toString();
  }

  public long promised() {
    return node.promised();
  }

  public int selfId() {
    return self;
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  public Role role() {
    return node.role();
  }

  /** The replica believed to lead now, or -1 (see {@link PaxosNode#leaderHint(long)}). */
  public int leaderHint() {
    return node.leaderHint(clock.nowMillis());
  }

  /** The ballot this replica leads or campaigns with, else the highest it has promised. */
  public long ballot() {
    return node.ballot();
  }

  /** The monotonic clock this replica's leases run on (the server layer times sessions by it). */
  public Clock clock() {
    return clock;
  }
}
