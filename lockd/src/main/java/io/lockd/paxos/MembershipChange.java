package io.lockd.paxos;

/** One membership change an operator asks for; the leader turns it into the next configuration. */
public sealed interface MembershipChange {
  /** Adds a replica as a learner: it receives the log but does not vote until promoted. */
  record Add(int id, String peerAddress, String clientAddress) implements MembershipChange {}

  /** Makes a caught-up learner a voter. */
  record Promote(int id) implements MembershipChange {}

  /** Removes a voter or a learner. */
  record Remove(int id) implements MembershipChange {}

  /** Why a change was refused: the kind maps to a gRPC status, the message names the problem. */
  record Refusal(Kind kind, String message) {
    public enum Kind {
      NOT_LEADER,
      INVALID_ARGUMENT,
      NOT_FOUND,
      ALREADY_EXISTS,
      FAILED_PRECONDITION
    }
  }
}
