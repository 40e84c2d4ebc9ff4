package io.lockd.server;

import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.Role;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ReplicaStatus;
import java.util.function.Consumer;

/**
 * A served replica that forwards every call to another: the base of decorators that watch proposals
 * (metrics timing them, the simulation's checkers seeing them) and change nothing else.
 */
public abstract class ForwardingServedReplica implements ServedReplica {
  private final ServedReplica inner;

  protected ForwardingServedReplica(ServedReplica inner) {
    this.inner = inner;
  }

  @Override
  public void propose(byte[] payload, ProposalCallback callback) {
    inner.propose(payload, callback);
  }

  @Override
  public int selfId() {
    return inner.selfId();
  }

  @Override
  public Role role() {
    return inner.role();
  }

  @Override
  public long ballot() {
    return inner.ballot();
  }

  @Override
  public boolean canServeReads() {
    return inner.canServeReads();
  }

  @Override
  public boolean holdsLease() {
    return inner.holdsLease();
  }

  @Override
  public int leaderHint() {
    return inner.leaderHint();
  }

  @Override
  public long nowMillis() {
    return inner.nowMillis();
  }

  @Override
  public ReplicaStatus status() {
    return inner.status();
  }

  @Override
  public void proposeChange(
      MembershipChange change,
      ProposalCallback callback,
      Consumer<MembershipChange.Refusal> refused) {
    inner.proposeChange(change, callback, refused);
  }

  @Override
  public Membership membership() {
    return inner.membership();
  }

  @Override
  public boolean membershipPending() {
    return inner.membershipPending();
  }
}
