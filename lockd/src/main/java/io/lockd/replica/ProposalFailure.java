package io.lockd.replica;

/** Why a proposal did not complete. */
public enum ProposalFailure {
  /** This replica does not lead; it was never proposed. Safe to send to the leader. */
  NOT_LEADER,
  /** The leader's queue is full; it was never proposed. Safe to retry later. */
  OVERLOADED,
  /**
   * No outcome within the deadline (for example the leader lost its leadership with the command in
   * flight). It may still be applied later: retry with the same request identity.
   */
  TIMED_OUT
}
