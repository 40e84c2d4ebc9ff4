package io.lockd.paxos;

/**
 * The acceptor's promise and the lease it granted. The promise is durable (the core writes it
 * before answering); the lease grant lives only in memory, which is why a restarted acceptor
 * promises nothing for one lease after it starts: it cannot know what it granted before.
 */
final class Acceptor {
  private final long leaseMillis;
  private long promised;
  private int leaseHolder = -1;
  private long leaseBallot;
  private long leaseGrantedUntil;
  private final long quietUntil;

  Acceptor(long promised, long leaseMillis, long startedAt) {
    this.promised = promised;
    this.leaseMillis = leaseMillis;
    this.quietUntil = startedAt + leaseMillis;
  }

  long promised() {
    return promised;
  }

  /** Why {@code ballot} may not be promised now, or null if it may. */
  Message.NackReason refusePromise(long ballot, long now) {
    if (ballot < promised) {
      return Message.NackReason.HIGHER_BALLOT;
    }
    if (ballot == promised) {
      return null; // already promised: answering again is a duplicate
    }
    return refuseCandidate(Ballot.replicaId(ballot), now);
  }

  /**
   * Why no ballot of {@code proposer} above the current promise may be promised now, or null if one
   * may: the lease and quiet-period part of {@link #refusePromise}, and all that a pre-vote asks.
   * Reads state only.
   */
  Message.NackReason refuseCandidate(int proposer, long now) {
    if (now < quietUntil) {
      return Message.NackReason.LEASE_HELD;
    }
    boolean otherLeaseLive = leaseHolder >= 0 && leaseHolder != proposer && now < leaseGrantedUntil;
    return otherLeaseLive ? Message.NackReason.LEASE_HELD : null;
  }

  /** The earliest time at which a promise to someone other than the lease holder is possible. */
  long freeAt() {
    return Math.max(quietUntil, leaseGrantedUntil);
  }

  /** Raises the promise; returns true if it changed (and so must be written). */
  boolean promise(long ballot) {
    if (ballot <= promised) {
      return false;
    }
    promised = ballot;
    return true;
  }

  /**
   * Binds this acceptor not to promise anyone but {@code leader} (answering at {@code ballot})
   * until now + lease.
   */
  void grantLease(int leader, long ballot, long now) {
    // The clock is monotonic, so now + lease also outlasts any earlier grant to someone else.
    leaseHolder = leader;
    leaseBallot = ballot;
    leaseGrantedUntil = Math.max(leaseGrantedUntil, now + leaseMillis);
  }

  /**
   * The leader of {@code ballot} gave its lease up (a handover): the grant made to it at that
   * ballot binds this acceptor no longer. The leader stopped counting on its lease before it said
   * so, so no later leader's lease can overlap its own. A grant made at another ballot stays.
   */
  void releaseLease(long ballot) {
    if (leaseHolder >= 0 && leaseBallot == ballot) {
      leaseHolder = -1;
      leaseGrantedUntil = PaxosNode.NEVER;
    }
  }
}
