package io.lockd.paxos;

import java.util.function.Supplier;

/**
 * What a replica is fetching from its peers: the chosen slots it lacks, asked for one position at a
 * time, and the snapshot that arrives in their place when the peer no longer has those slots. Its
 * rules: one request in flight per position (retried after the retransmit interval, at once after
 * progress); no request while a snapshot is still arriving, since a new request would restart it; a
 * snapshot without a new chunk for {@link #snapshotPatience} counts as stalled and may be asked for
 * again. Deciding what the answers mean (are the entries believed, is the snapshot readable) stays
 * with {@link PaxosNode}, which owns the log.
 */
final class CatchUp {
  private final int self;
  private final long retransmitMillis;
  private final Outbox out;

  /** The highest slot some peer said is chosen; this replica fetches until it knows it. */
  private long target;

  private long sentAt = PaxosNode.NEVER;
  private long sentFrom = -1;
  private int sentTo = -1;
  private SnapshotAssembly incoming;
  private Supplier<SnapshotSink> sinks = SnapshotSink::inMemory;

  CatchUp(int self, long retransmitMillis, Outbox out) {
    this.self = self;
    this.retransmitMillis = retransmitMillis;
    this.out = out;
  }

  /** Where an arriving snapshot is put, chunk by chunk. */
  void receiveInto(Supplier<SnapshotSink> sinks) {
    this.sinks = sinks;
  }

  /** A peer says slots up to {@code chosen} are chosen. */
  void want(long chosen) {
    target = Math.max(target, chosen);
  }

  /** True while some peer knows more to be chosen than {@code chosenIndex}. */
  boolean behind(long chosenIndex) {
    return target > chosenIndex;
  }

  /** Asks {@code from} for the chosen slots after {@code chosenIndex}, unless that is pointless. */
  void request(int from, long chosenIndex, long now) {
    if (from < 0 || from == self) {
      return;
    }
    if (!noSnapshotArriving(now)) {
      return; // a snapshot is arriving; asking again would restart it
    }
    long fromSlot = chosenIndex + 1;
    if (fromSlot == sentFrom && now - sentAt < retransmitMillis) {
      return; // one request in flight per position; retried after the retransmit interval
    }
    sentFrom = fromSlot;
    sentAt = now;
    sentTo = from;
    out.now(new Message.CatchUpRequest(self, from, fromSlot));
  }

  /** Chosen entries and snapshots are believed only from the replica asked for them. */
  boolean askedOf(int peer) {
    return peer == sentTo;
  }

  /**
   * Progress was made: the next request may go at once instead of after the retransmit interval.
   */
  void askAgainAtOnce() {
    sentAt = PaxosNode.NEVER;
  }

  /** The state was replaced wholesale (a rebuild): nothing is wanted any more. */
  void clear() {
    target = 0;
    sentAt = PaxosNode.NEVER;
  }

  /** When {@link PaxosNode#tick} should next try, while {@link #behind}. */
  long retryAt(long now) {
    long retry = sentAt + retransmitMillis;
    // Nothing could be asked just now (no source known, a snapshot still arriving): look again
    // after a retransmit interval rather than at once.
    return retry > now ? retry : now + retransmitMillis;
  }

  /** Adds a chunk to the snapshot arriving; returns the whole snapshot with its last chunk. */
  SnapshotBytes assemble(Message.SnapshotChunk c, long now) {
    boolean fresh =
        incoming == null
            || incoming.index != c.snapshotIndex()
            || incoming.stalled(now, snapshotPatience());
    if (c.offset() == 0 && fresh) {
      dropSnapshot();
      incoming = new SnapshotAssembly(c.snapshotIndex(), now, sinks.get());
    }
    if (incoming == null || !incoming.add(c, now) || !c.last()) {
      return null;
    }
    SnapshotBytes state = incoming.bytes();
    incoming = null;
    return state;
  }

  /** True unless a snapshot is arriving and has not stalled. */
  boolean noSnapshotArriving(long now) {
    return incoming == null || incoming.stalled(now, snapshotPatience());
  }

  /** Gives up the snapshot arriving, if any, and what its sink holds. */
  void dropSnapshot() {
    if (incoming != null) {
      incoming.abandon();
      incoming = null;
    }
  }

  /**
   * How long a snapshot may go without a new chunk before it is asked for again. Short, because a
   * lost chunk leaves a gap only a new transfer fills; a pause of the sender does not restart a
   * transfer (a repeated request for the snapshot under way is ignored by the transport, and the
   * chunks that follow the pause still join the assembly).
   */
  long snapshotPatience() {
    return retransmitMillis * 8;
  }

  @Override
  public String toString() {
    return "catchUpTarget="
        + target
        + " catchUpFrom="
        + sentFrom
        + " assembling="
        + (incoming != null);
  }
}
