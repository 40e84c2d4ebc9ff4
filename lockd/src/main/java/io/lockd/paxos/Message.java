package io.lockd.paxos;

import java.util.List;

/**
 * The one-way messages replicas exchange. Every message names its sender and receiver; the
 * transport delivers it at most once per send (the network may drop, duplicate or reorder, so every
 * handler is idempotent).
 */
public sealed interface Message {
  int from();

  int to();

  /**
   * Pre-vote: would the acceptor promise the sender a ballot above its current promise now? Sent
   * before a candidate raises its own promise. Answering changes nothing at the acceptor and writes
   * nothing. {@code ballot} is the ballot the sender would campaign with; it only matches answers
   * to the round that asked.
   */
  record PreVote(int from, int to, long ballot) implements Message {}

  /**
   * Answer to a {@link PreVote}: {@code granted} if the acceptor would promise the sender a ballot
   * above {@code promised} (its current promise) now, that is, it grants no live lease to another
   * replica and is past its quiet period after a restart.
   */
  record PreVoteReply(int from, int to, long ballot, long promised, boolean granted)
      implements Message {}

  /** Phase 1a: asks acceptors to promise {@code ballot} for every slot from {@code fromSlot} on. */
  record Prepare(int from, int to, long ballot, long fromSlot) implements Message {}

  /**
   * Phase 1b: the acceptor promised {@code ballot}. It carries every value the acceptor accepted in
   * slots from the prepare's {@code fromSlot} on, and its chosen index: slots up to it are chosen,
   * and below its snapshot index the acceptor no longer holds them.
   */
  record Promise(int from, int to, long ballot, long chosenIndex, List<Entry> accepted)
      implements Message {
    public Promise {
      accepted = List.copyOf(accepted);
    }
  }

  /** Phase 2a: asks acceptors to accept these entries; also carries the leader's chosen index. */
  record Accept(int from, int to, long ballot, List<Entry> entries, long chosenIndex)
      implements Message {
    public Accept {
      entries = List.copyOf(entries);
    }
  }

  /** Phase 2b: the acceptor durably accepted these slots at {@code ballot}. */
  record Accepted(int from, int to, long ballot, List<Long> slots) implements Message {
    public Accepted {
      slots = List.copyOf(slots);
    }
  }

  /** Why an acceptor refused a ballot. */
  enum NackReason {
    /** The acceptor has promised a higher ballot: {@code promised}. */
    HIGHER_BALLOT,
    /** The acceptor granted a lease to another leader, or restarted less than a lease ago. */
    LEASE_HELD
  }

  /** Refusal of {@code ballot}; {@code promised} is the acceptor's current promise. */
  record Nack(int from, int to, long ballot, long promised, NackReason reason) implements Message {}

  /**
   * Leader liveness and lease renewal. An acceptor that acks it grants the leader a lease counted
   * from its own receive time. {@code round} identifies the send so that the leader can count its
   * lease from the send time of the round a majority acked.
   */
  record Heartbeat(int from, int to, long ballot, long round, long chosenIndex)
      implements Message {}

  /**
   * Answer to a heartbeat; {@code chosenIndex} tells the leader how far this replica has learned.
   */
  record HeartbeatAck(int from, int to, long ballot, long round, long chosenIndex)
      implements Message {}

  /** A lagging replica asks for chosen entries from {@code fromSlot} on. */
  record CatchUpRequest(int from, int to, long fromSlot) implements Message {}

  /** Chosen entries, in slot order, and the sender's chosen index. */
  record CatchUpEntries(int from, int to, List<Entry> entries, long chosenIndex)
      implements Message {
    public CatchUpEntries {
      entries = List.copyOf(entries);
    }
  }

  /**
   * One chunk of a state-machine snapshot covering every slot up to {@code snapshotIndex}. Chunks
   * are sent in order; {@code last} marks the final one.
   */
  record SnapshotChunk(int from, int to, long snapshotIndex, long offset, byte[] data, boolean last)
      implements Message {
    public SnapshotChunk {
      data = data.clone();
    }
  }

  /**
   * The checksum of the sender's state machine after applying every slot up to {@code index}.
   * Replicas send theirs to every peer when they take one and again now and then, so that each can
   * compare its own with the majority's at the same index (see {@link StateChecksums}).
   */
  record StateChecksum(int from, int to, long index, long checksum) implements Message {}

  /**
   * A replica that found its state differs from the majority's asks a healthy peer for a fresh
   * snapshot of that peer's whole state, to rebuild itself from.
   */
  record SnapshotRequest(int from, int to) implements Message {}

  /**
   * Leadership handover: the leader of {@code ballot}, removed from the cell, gives up its lease
   * and asks {@code candidate} (the most caught-up remaining voter) to start Phase 1 at once,
   * without an election timeout or pre-vote. Sent to every member: each drops the lease it granted
   * at {@code ballot}, so the candidate's prepares are not refused for it (docs/consensus.md,
   * "Handover").
   */
  record TimeoutNow(int from, int to, long ballot, int candidate) implements Message {}
}
