package io.lockd.paxos;

/** What a replica is doing in the protocol right now. */
public enum Role {
  /** Accepts and learns; waits for a leader's heartbeats. */
  FOLLOWER,
  /** Runs Phase 1 for a new ballot and has not yet heard from a majority. */
  CANDIDATE,
  /** Holds promises from a majority for its ballot and proposes values. */
  LEADER
}
