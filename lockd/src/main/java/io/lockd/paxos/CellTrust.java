package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;

/**
 * What one replica believes about the cell's health and its own: the checksums it exchanges with
 * its peers ({@link StateChecksums}), the peers it distrusts ({@link Suspects}), and whether its
 * own state diverged from the majority's, with the replicas it asks for a healthy state then. It
 * decides; {@link PaxosNode} acts (steps down, ignores messages, installs the snapshot). See
 * docs/consensus.md, "Failing safe".
 */
final class CellTrust {
  private final PaxosConfig config;
  private final int self;

  /** The newest configuration: whom to tell checksums, and what a majority is. */
  private final java.util.function.Supplier<Membership> members;

  private final Outbox out;
  private final StateChecksums checksums;
  private final Suspects suspects;
  private long lastChecksumSentAt = PaxosNode.NEVER;

  /** Why this replica's state differs from the majority's; null while it does not. */
  private String divergence;

  private List<Integer> sources = List.of();
  private int attempts;
  private long askedAt = PaxosNode.NEVER;
  private long rebuilds;

  CellTrust(PaxosConfig config, Outbox out, java.util.function.Supplier<Membership> members) {
    this.config = config;
    this.self = config.selfId();
    this.out = out;
    this.members = members;
    this.checksums = new StateChecksums(self, () -> members.get().majority());
    this.suspects = new Suspects(config.electionTimeoutMillis() * 20);
  }

  String divergence() {
    return divergence;
  }

  boolean distrusts(int peer) {
    return suspects.contains(peer);
  }

  /** Whether a diverged replica takes its new state from {@code peer}. */
  boolean isSource(int peer) {
    return sources.contains(peer);
  }

  /**
   * This replica's own checksum at {@code index}: sent to every peer and compared. Returns true if
   * it shows that this replica diverged.
   */
  boolean checksumTaken(long index, long checksum, long appliedIndex, long now) {
    StateChecksums.Verdict verdict = checksums.report(self, index, checksum);
    broadcast(index, checksum, now);
    return judge(verdict, appliedIndex, now);
  }

  /** A peer's checksum; returns true if the comparison shows that this replica diverged. */
  boolean onStateChecksum(Message.StateChecksum c, long appliedIndex, long now) {
    return c.from() != self
        && judge(checksums.report(c.from(), c.index(), c.checksum()), appliedIndex, now);
  }

  /** Starts distrusting {@code peer}; false if it already was (or is this replica). */
  boolean distrust(int peer, String reason, long appliedIndex, long now) {
    return peer != self && suspects.suspect(peer, reason, appliedIndex, now);
  }

  /**
   * Acts on a comparison at one index that has a majority behind one checksum: the others who
   * reported it are vindicated, those who reported another are distrusted, and if that is this
   * replica, it has diverged.
   */
  private boolean judge(StateChecksums.Verdict verdict, long appliedIndex, long now) {
    if (verdict == null) {
      return false;
    }
    for (int id : verdict.agree()) {
      suspects.vindicate(id, verdict.index());
    }
    boolean diverged = false;
    for (int id : verdict.differ()) {
      if (id == self) {
        diverged = diverge(verdict, now);
      } else {
        distrust(
            id,
            String.format(
                "its state checksum at index %d differs from the majority's" + " %016x",
                verdict.index(), verdict.majority()),
            appliedIndex,
            now);
      }
    }
    return diverged;
  }

  private boolean diverge(StateChecksums.Verdict verdict, long now) {
    if (divergence != null) {
      return false;
    }
    divergence =
        String.format(
            "state checksum at index %d differs from the majority's %016x;"
                + " rebuilding from a snapshot of replica %s",
            verdict.index(), verdict.majority(), verdict.agree());
    List<Integer> healthy = new ArrayList<>(verdict.agree());
    healthy.remove(Integer.valueOf(self));
    sources = List.copyOf(healthy);
    attempts = 0;
    askForState(now);
    return true;
  }

  /** Asks the next replica that agreed with the majority for a fresh snapshot. */
  void askForState(long now) {
    askedAt = now;
    if (!sources.isEmpty()) {
      out.now(new Message.SnapshotRequest(self, sources.get(attempts++ % sources.size())));
    }
  }

  /** Makes the next tick ask another source (the last one's snapshot was unusable). */
  void askAgainSoon() {
    askedAt = PaxosNode.NEVER;
  }

  /** When a diverged replica next asks again, if nothing arrived. */
  long nextAskAt(long patienceMillis) {
    return askedAt + patienceMillis;
  }

  /** Its state was replaced: what was judged against the old one is forgotten. */
  void rebuilt() {
    divergence = null;
    sources = List.of();
    rebuilds++;
    checksums.forgetOwn();
    suspects.clear();
  }

  long rebuilds() {
    return rebuilds;
  }

  /** Ends old suspicions, and reports the latest checksum again now and then. */
  void tick(long now) {
    suspects.expire(now);
    if (divergence == null && now - lastChecksumSentAt >= resendMillis()) {
      long[] latest = checksums.latestOwn();
      if (latest == null) {
        lastChecksumSentAt = now;
      } else {
        broadcast(latest[0], latest[1], now); // a peer may have missed it or restarted
      }
    }
  }

  /** When {@link #tick} next has something to do. */
  long nextDeadline() {
    long next = suspects.nextExpiry();
    return divergence != null ? next : Math.min(next, lastChecksumSentAt + resendMillis());
  }

  List<Suspicion> suspicions() {
    return suspects.all();
  }

  long suspicionChanges() {
    return suspects.changes();
  }

  private void broadcast(long index, long checksum, long now) {
    lastChecksumSentAt = now;
    // Learners too: a replica that fell behind learns from a checksum that it is behind.
    for (int id : members.get().members().keySet()) {
      if (id != self) {
        out.now(new Message.StateChecksum(self, id, index, checksum));
      }
    }
  }

  private long resendMillis() {
    return config.electionTimeoutMillis() * 2;
  }
}
