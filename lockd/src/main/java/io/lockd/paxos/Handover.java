package io.lockd.paxos;

import java.util.List;

/**
 * A removed leader handing its leadership over (docs/consensus.md, "Handover"), as Raft's
 * leadership transfer does: once its removal governs, it proposes nothing more, waits until the
 * most caught-up remaining voter has learned everything it chose, then tells that voter to start
 * Phase 1 at once ({@link Message.TimeoutNow}) and steps down. If no voter catches up within the
 * patience, it steps down anyway and the others elect as after any failover.
 */
final class Handover {
  private final long deadline;

  Handover(long now, long patienceMillis) {
    this.deadline = now + patienceMillis;
  }

  /** True once the leader has waited long enough: it steps down without a successor. */
  boolean expired(long now) {
    return now >= deadline;
  }

  long deadline() {
    return deadline;
  }

  /**
   * The voter of {@code next} (other than {@code self}) that reported the highest chosen index and
   * was heard from at or after {@code heardSince}, or -1 if none was.
   */
  static int mostCaughtUp(List<PeerProgress> peers, Membership next, int self, long heardSince) {
    PeerProgress best = best(peers, next, self, heardSince);
    return best == null ? -1 : best.replicaId();
  }

  /**
   * The successor to hand over to now: the most caught-up voter, once it has all of {@code chosen}.
   */
  static int successor(
      List<PeerProgress> peers, Membership next, int self, long heardSince, long chosen) {
    PeerProgress best = best(peers, next, self, heardSince);
    return best != null && best.chosenIndex() >= chosen ? best.replicaId() : -1;
  }

  /**
   * Ties go to the lowest id (peers come in id order): the choice depends only on what was heard.
   */
  private static PeerProgress best(
      List<PeerProgress> peers, Membership next, int self, long heardSince) {
    PeerProgress best = null;
    for (PeerProgress p : peers) {
      int id = p.replicaId();
      if (id == self || !next.isVoter(id) || p.lastContactAt() < heardSince) {
        continue;
      }
      if (best == null || p.chosenIndex() > best.chosenIndex()) {
        best = p;
      }
    }
    return best;
  }
}
