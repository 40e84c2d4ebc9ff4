package io.lockd.paxos;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The leader's side of the lease: heartbeat rounds with their send times and who acked them. A
 * round acked by a quorum extends the lease to its send time plus the drift-shortened lease.
 * Counting from the send time (not the ack time) is what keeps the leader's view conservative. What
 * a quorum is the leader decides: a majority of every configuration in force or pending
 * (docs/consensus.md, "Membership change"), so it is passed in with each ack.
 */
final class LeaseTracker {
  private static final int MAX_ROUNDS = 64;

  private final long leaderLeaseMillis;
  private final TreeMap<Long, Long> sentAt = new TreeMap<>();
  private final Map<Long, Set<Integer>> acks = new TreeMap<>();
  private long nextRound = 1;
  private long validUntil = PaxosNode.NEVER;
  private long lastMajorityAt = PaxosNode.NEVER;

  LeaseTracker(long leaderLeaseMillis, long now) {
    this.leaderLeaseMillis = leaderLeaseMillis;
    this.lastMajorityAt = now; // grace from the moment of election before stepping down
  }

  /** Starts a new round sent at {@code now}; returns its number. */
  long newRound(long now) {
    long round = nextRound++;
    sentAt.put(round, now);
    acks.put(round, new TreeSet<>());
    while (sentAt.size() > MAX_ROUNDS) {
      long oldest = sentAt.firstKey();
      sentAt.remove(oldest);
      acks.remove(oldest);
    }
    return round;
  }

  void onAck(long round, int from, Predicate<Set<Integer>> quorum) {
    Set<Integer> who = acks.get(round);
    if (who == null || !who.add(from) || !quorum.test(who)) {
      return;
    }
    long sent = sentAt.get(round);
    validUntil = Math.max(validUntil, sent + leaderLeaseMillis);
    lastMajorityAt = Math.max(lastMajorityAt, sent);
    // Rounds up to this one can no longer extend the lease further.
    Iterator<Long> it = sentAt.headMap(round, true).keySet().iterator();
    while (it.hasNext()) {
      acks.remove(it.next());
      it.remove();
    }
  }

  /** The set of configurations grew: no round counted so far proves a lease under it. */
  void reset() {
    validUntil = PaxosNode.NEVER;
  }

  boolean isValid(long now) {
    return now < validUntil;
  }

  long remaining(long now) {
    return Math.max(0, validUntil - now);
  }

  /** Send time of the newest round a majority acked (or the election time). */
  long lastMajorityAt() {
    return lastMajorityAt;
  }
}
