package io.lockd.server;

import io.lockd.namespace.Namespace;
import io.lockd.paxos.Command;
import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.Role;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import io.lockd.replica.ReplicaStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica with no consensus behind it: proposals queue until {@link #applyAll} applies them to
 * the namespace in order, as a chosen log would. Leadership, lease and both clocks are set by the
 * test. Single-threaded and deterministic, as the simulation will drive the server.
 */
final class FakeReplica implements ServedReplica {
  final Namespace namespace;
  long monotonicMillis = 1_000;
  long wallMillis = 1_700_000_000_000L;
  Role role = Role.LEADER;
  long ballot = 1;
  boolean lease = true;
  boolean reads = true;
  int leaderHint = 1;
  final List<NamespaceCommand> proposed = new ArrayList<>();
  private final ArrayDeque<Object[]> queue = new ArrayDeque<>();
  private long slot;

  FakeReplica(Namespace namespace) {
    this.namespace = namespace;
  }

  WallClock wall() {
    return () -> wallMillis;
  }

  void advance(long millis) {
    monotonicMillis += millis;
    wallMillis += millis;
  }

  /** Applies every queued proposal, answering its callback; returns how many. */
  int applyAll() {
    int n = 0;
    while (!queue.isEmpty()) {
      Object[] p = queue.poll();
      byte[] payload = (byte[]) p[0];
      byte[] result = namespace.apply(++slot, new Command(slot, payload));
      ((ProposalCallback) p[1]).applied(slot, result);
      n++;
    }
    return n;
  }

  /**
   * Applies a command nobody here proposed, as a leader does with an earlier leader's value it
   * re-proposes: no callback hears of it.
   */
  void applyUnproposed(NamespaceCommand command) {
    namespace.apply(++slot, new Command(slot, command.toByteArray()));
  }

  /** Fails every queued proposal as if leadership was lost. */
  void abandonAll() {
    while (!queue.isEmpty()) {
      ((ProposalCallback) queue.poll()[1]).failed(ProposalFailure.NOT_LEADER, leaderHint);
    }
  }

  int queued() {
    return queue.size();
  }

  @Override
  public int selfId() {
    return 1;
  }

  @Override
  public Role role() {
    return role;
  }

  @Override
  public long ballot() {
    return ballot;
  }

  @Override
  public boolean canServeReads() {
    return role == Role.LEADER && lease && reads;
  }

  @Override
  public boolean holdsLease() {
    return role == Role.LEADER && lease;
  }

  @Override
  public int leaderHint() {
    return leaderHint;
  }

  @Override
  public long nowMillis() {
    return monotonicMillis;
  }

  @Override
  public void propose(byte[] payload, ProposalCallback callback) {
    if (role != Role.LEADER) {
      callback.failed(ProposalFailure.NOT_LEADER, leaderHint);
      return;
    }
    try {
      proposed.add(NamespaceCommand.parseFrom(payload));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    queue.add(new Object[] {payload, callback});
  }

  @Override
  public ReplicaStatus status() {
    return new ReplicaStatus(
        1,
        role,
        ballot,
        ballot,
        leaderHint,
        slot,
        slot,
        0,
        lease ? 400 : 0,
        0,
        queue.size(),
        queue.size(),
        List.of(),
        0,
        null,
        List.of(),
        0,
        0);
  }

  /** A fake cannot change membership: it refuses, as a replica that is not leader would. */
  @Override
  public void proposeChange(
      MembershipChange change,
      ProposalCallback callback,
      java.util.function.Consumer<MembershipChange.Refusal> refused) {
    refused.accept(
        new MembershipChange.Refusal(
            MembershipChange.Refusal.Kind.FAILED_PRECONDITION,
            "replica " + selfId() + " cannot change the membership"));
  }

  @Override
  public Membership membership() {
    return null;
  }

  @Override
  public boolean membershipPending() {
    return false;
  }
}
