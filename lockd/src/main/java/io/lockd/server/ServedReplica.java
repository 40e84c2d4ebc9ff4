package io.lockd.server;

import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.Role;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.Replica;
import io.lockd.replica.ReplicaStatus;

/**
 * What the server needs from the replica it serves: leadership and lease tests, proposing, the
 * monotonic clock and a status view. Production wraps the {@link Replica} on its loop thread
 * ({@link #of}); a simulation may wire its own. Every method is called on the replica's thread.
 */
public interface ServedReplica {
  int selfId();

  Role role();

  /** The ballot this replica leads with (identifies one leadership). */
  long ballot();

  /** Leader, lease held, leadership no-op applied: reads from local state are linearizable. */
  boolean canServeReads();

  /** Leader with a valid lease: the only replica that may decide a session expired. */
  boolean holdsLease();

  /** The replica believed to lead, or -1 if none is known. */
  int leaderHint();

  /** The replica's monotonic clock (milliseconds), the one its leases run on. */
  long nowMillis();

  /** Proposes a command; its callback fires on the replica's thread ({@link Replica#propose}). */
  void propose(byte[] payload, ProposalCallback callback);

  ReplicaStatus status();

  /**
   * Proposes a membership change ({@link Replica#proposeChange}). No default: a decorator that
   * forgot it would hide the real replica's membership (it happened once, with the metrics one).
   */
  void proposeChange(
      MembershipChange change,
      ProposalCallback callback,
      java.util.function.Consumer<MembershipChange.Refusal> refused);

  /** The newest configuration chosen, or null if this replica does not know one. */
  Membership membership();

  /** True while the newest change is chosen but does not govern yet. */
  boolean membershipPending();

  /** The production adapter. */
  static ServedReplica of(Replica replica) {
    return new ServedReplica() {
      @Override
      public int selfId() {
        return replica.selfId();
      }

      @Override
      public Role role() {
        return replica.role();
      }

      @Override
      public long ballot() {
        return replica.ballot();
      }

      @Override
      public boolean canServeReads() {
        return replica.canServeReads();
      }

      @Override
      public boolean holdsLease() {
        return replica.holdsLease();
      }

      @Override
      public int leaderHint() {
        return replica.leaderHint();
      }

      @Override
      public long nowMillis() {
        return replica.clock().nowMillis();
      }

      @Override
      public void propose(byte[] payload, ProposalCallback callback) {
        replica.propose(payload, callback);
      }

      @Override
      public ReplicaStatus status() {
        return replica.status();
      }

      @Override
      public void proposeChange(
          MembershipChange change,
          ProposalCallback callback,
          java.util.function.Consumer<MembershipChange.Refusal> refused) {
        replica.proposeChange(change, callback, refused);
      }

      @Override
      public Membership membership() {
        return replica.membership();
      }

      @Override
      public boolean membershipPending() {
        return !replica.membership().equals(replica.governingMembership());
      }
    };
  }
}
