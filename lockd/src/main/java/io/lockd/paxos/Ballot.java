package io.lockd.paxos;

import io.lockd.invariant.Invariants;

/**
 * Ballots are unique and totally ordered: a round number in the high bits and the proposing
 * replica's id in the low 16 bits, packed into one {@code long} so that comparing two ballots is
 * comparing two longs. Ballot {@link #ZERO} is below every real ballot.
 */
public final class Ballot {
  public static final long ZERO = 0L;
  private static final int ID_BITS = 16;
  private static final long ID_MASK = (1L << ID_BITS) - 1;

  /** Rounds are below this: the bits of a non-negative long above the replica id. */
  public static final long ROUND_LIMIT = 1L << (63 - ID_BITS);

  private Ballot() {}

  public static long of(long round, int replicaId) {
    Invariants.check(round >= 0 && round < ROUND_LIMIT, "ballot round out of range");
    Invariants.check(replicaId >= 0 && replicaId <= ID_MASK, "replica id out of range");
    return (round << ID_BITS) | replicaId;
  }

  public static long round(long ballot) {
    return ballot >>> ID_BITS;
  }

  public static int replicaId(long ballot) {
    return (int) (ballot & ID_MASK);
  }

  /** The smallest ballot owned by {@code replicaId} that is above {@code seen}. */
  public static long next(long seen, int replicaId) {
    return of(round(seen) + 1, replicaId);
  }

  public static String toString(long ballot) {
    return round(ballot) + "." + replicaId(ballot);
  }
}
