package io.lockd.paxos;

/** What became of a command handed to {@link PaxosNode#propose}. */
public enum ProposeResult {
  /** Queued for a slot; its outcome arrives when the slot is chosen (or it is abandoned). */
  QUEUED,
  /** This replica is not the leader; ask {@link PaxosNode#leaderHint(long)}. */
  NOT_LEADER,
  /** The leader's queue is full; try again later. */
  OVERLOADED
}
