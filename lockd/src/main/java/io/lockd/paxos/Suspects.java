package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The peers this replica does not trust now, and why. A peer becomes a suspect when it contradicts
 * what this replica knows to be chosen, or when its state checksum differs from the majority's.
 * Without authenticated peers (issue 8) a replica cannot tell a forger from the replica it claims
 * to be, so suspicion is evidence, not a verdict: it ends when the peer reports the majority's
 * checksum at a later index than the one this replica had applied when it began, or after {@code
 * suspectMillis}, so that a replica restarted behind a forger's id is trusted again.
 */
final class Suspects {
  private final long suspectMillis;
  private final Map<Integer, Suspicion> suspects = new TreeMap<>();
  private long changes;

  Suspects(long suspectMillis) {
    this.suspectMillis = suspectMillis;
  }

  boolean contains(int peer) {
    return suspects.containsKey(peer);
  }

  /** Starts distrusting {@code peer}; returns false if it already was (the first reason stays). */
  boolean suspect(int peer, String reason, long appliedIndex, long now) {
    if (suspects.containsKey(peer)) {
      return false;
    }
    suspects.put(peer, new Suspicion(peer, reason, appliedIndex, now));
    changes++;
    return true;
  }

  /** The peer reported the majority's checksum at {@code index}: trust it again if that is news. */
  void vindicate(int peer, long index) {
    Suspicion s = suspects.get(peer);
    if (s != null && index > s.sinceIndex()) {
      suspects.remove(peer);
      changes++;
    }
  }

  /** Trusts every peer again. */
  void clear() {
    if (!suspects.isEmpty()) {
      suspects.clear();
      changes++;
    }
  }

  /** Ends suspicions older than the limit. */
  void expire(long now) {
    if (suspects.values().removeIf(s -> now - s.sinceMillis() >= suspectMillis)) {
      changes++;
    }
  }

  /** When the oldest suspicion runs out, or {@code Long.MAX_VALUE}. */
  long nextExpiry() {
    long next = Long.MAX_VALUE;
    for (Suspicion s : suspects.values()) {
      next = Math.min(next, s.sinceMillis() + suspectMillis);
    }
    return next;
  }

  List<Suspicion> all() {
    return new ArrayList<>(suspects.values());
  }

  /** Counts every change, so that a driver can tell when to look again. */
  long changes() {
    return changes;
  }
}
