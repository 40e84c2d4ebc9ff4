package io.lockd.server;

import java.util.Comparator;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's own session deadlines, kept off the log on the replica's monotonic clock: a
 * KeepAlive moves a deadline here and nowhere else. Ordered by deadline so that finding the
 * sessions due for expiry costs nothing while none is. Exists only while this replica serves as
 * leader; a new leadership rebuilds it from the namespace with the grace period.
 */
final class SessionLeases {

  /** One session as the leader sees it. */
  static final class Lease {
    final long sessionId;
    final long leaseMillis;
    private long deadlineMillis;

    /** The newest event index the client reported processed (its latest KeepAlive). */
    long ackedEventIndex;

    /** Inherited from an earlier leadership and not heard from in this one. */
    boolean inherited;

    private boolean expiring;

    private Lease(long sessionId, long leaseMillis, long deadlineMillis, boolean inherited) {
      this.sessionId = sessionId;
      this.leaseMillis = leaseMillis;
      this.deadlineMillis = deadlineMillis;
      this.inherited = inherited;
    }

    long deadlineMillis() {
      return deadlineMillis;
    }

    /** An ExpireSession for it is in flight: it is as good as gone. */
    boolean expiring() {
      return expiring;
    }
  }

  private final TreeMap<Long, Lease> byId = new TreeMap<>();
  private final NavigableSet<Lease> byDeadline =
      new TreeSet<>(
          Comparator.comparingLong((Lease l) -> l.deadlineMillis)
              .thenComparingLong(l -> l.sessionId));

  void clear() {
    byId.clear();
    byDeadline.clear();
  }

  int size() {
    return byId.size();
  }

  Lease get(long sessionId) {
    return byId.get(sessionId);
  }

  /** Adds (or replaces) a session's lease. */
  Lease put(long sessionId, long leaseMillis, long deadlineMillis, boolean inherited) {
    remove(sessionId);
    Lease lease = new Lease(sessionId, leaseMillis, deadlineMillis, inherited);
    byId.put(sessionId, lease);
    byDeadline.add(lease);
    return lease;
  }

  void remove(long sessionId) {
    Lease lease = byId.remove(sessionId);
    if (lease != null) {
      byDeadline.remove(lease);
    }
  }

  /**
   * Moves a session's deadline (a KeepAlive, or a postponed expiry). An expiring session returns to
   * the deadline order: its expiry did not happen.
   */
  void setDeadline(Lease lease, long deadlineMillis) {
    if (!lease.expiring) {
      byDeadline.remove(lease);
    }
    lease.deadlineMillis = deadlineMillis;
    lease.expiring = false;
    byDeadline.add(lease);
  }

  /** The session with the earliest deadline at or before {@code now}, not already expiring. */
  Lease firstDue(long now) {
    Lease first = byDeadline.isEmpty() ? null : byDeadline.first();
    return first != null && first.deadlineMillis <= now ? first : null;
  }

  /** Takes a session out of the deadline order while its ExpireSession is in flight. */
  void markExpiring(Lease lease) {
    byDeadline.remove(lease);
    lease.expiring = true;
  }

  /** The ids above {@code after} and at most {@code through}, ascending. */
  Iterable<Long> idsBetween(long after, long through) {
    return byId.subMap(after, false, through, true).keySet();
  }
}
