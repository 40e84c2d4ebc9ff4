package io.lockd.transport;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Message;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Range checks on a {@link Message}, in two layers. The records in {@code paxos/} accept any long.
 *
 * <p>{@link #check} is the wire contract, run by the codec before encoding and after decoding: ids
 * fit a ballot's 16 bits, nothing negative. A negative ballot or slot is always a bug or a corrupt
 * peer, better refused at the border than interpreted.
 *
 * <p>{@link #refusal} is the protocol's ranges for one cell, run by the replica on every message
 * before it reaches the consensus core (whatever the transport): ids are members, every ballot
 * belongs to a member and to the replica the message says proposed it, rounds leave room for
 * elections above them, slots and indexes are positive and far from overflow, lists are ordered and
 * bounded, snapshots fit the arrays they are assembled in. Anything else would reach the core as a
 * state the protocol never produces: a Prepare at round 2^47-1, for example, was refused by the
 * core at the time, but its ballot stayed the highest seen, and the replica's next campaign then
 * asked for a round beyond the ballot's range and stopped the replica.
 */
public final class MessageChecks {
  /** Replica ids fit the 16 bits a {@link io.lockd.paxos.Ballot} reserves for them. */
  static final int REPLICA_ID_MAX = 0xFFFF;

  /**
   * The highest ballot round a peer may name: a million elections below the end of the range, so
   * that no ballot a peer sends can push this replica's own next one out of range.
   */
  public static final long ROUND_MAX = Ballot.ROUND_LIMIT - 1 - (1L << 20);

  /** The highest slot or index a peer may name: beyond any real log, far from overflow. */
  public static final long INDEX_MAX = 1L << 62;

  /** The most entries or slots one message may list. */
  public static final int ENTRIES_MAX = 1 << 16;

  /** The largest snapshot a replica assembles (it is one array). */
  public static final long SNAPSHOT_BYTES_MAX = Integer.MAX_VALUE - 64;

  private final java.util.function.IntPredicate members;

  /** Whose ballots may appear (in promises, accepted entries): a former member's still may. */
  private final java.util.function.IntPredicate ballotOwners;

  /** The protocol's ranges for a cell of these members. */
  public MessageChecks(Collection<Integer> members) {
    Set<Integer> ids = Set.copyOf(new TreeSet<>(members));
    this.members = ids::contains;
    this.ballotOwners = ids::contains;
  }

  /**
   * The protocol's ranges for a cell whose membership changes: {@code members} says which ids the
   * receiving replica takes messages from (always within the valid range). Values accepted at a
   * removed member's ballot stay in the log, so a ballot's replica need only be a valid id.
   */
  public MessageChecks(java.util.function.IntPredicate members) {
    this.members = id -> id >= 1 && id <= REPLICA_ID_MAX && members.test(id);
    this.ballotOwners = id -> id >= 1 && id <= REPLICA_ID_MAX;
  }

  /**
   * Why {@code m} lies outside the protocol's ranges for this cell, or null if it does not. Never
   * throws: a refused message is dropped by the caller.
   */
  public String refusal(Message m) {
    try {
      check(m);
      protocol(m);
      return null;
    } catch (MalformedMessageException e) {
      return e.getMessage();
    }
  }

  private void protocol(Message m) {
    member(m, "from", m.from());
    member(m, "to", m.to());
    if (m instanceof Message.PreVote v) {
      ballot(m, "ballot", v.ballot(), m.from());
    } else if (m instanceof Message.PreVoteReply r) {
      ballot(m, "ballot", r.ballot(), m.to());
      promised(m, r.promised());
    } else if (m instanceof Message.Prepare p) {
      ballot(m, "ballot", p.ballot(), m.from());
      slot(m, "fromSlot", p.fromSlot());
    } else if (m instanceof Message.Promise p) {
      ballot(m, "ballot", p.ballot(), m.to());
      index(m, "chosenIndex", p.chosenIndex());
      entries(m, p.accepted(), INDEX_MAX);
      for (Entry e : p.accepted()) {
        require(
            e.ballot() <= p.ballot(),
            m,
            "entry of slot %d was accepted at ballot %s, above" + " the promised %s",
            e.slot(),
            Ballot.toString(e.ballot()),
            Ballot.toString(p.ballot()));
      }
    } else if (m instanceof Message.Accept a) {
      ballot(m, "ballot", a.ballot(), m.from());
      index(m, "chosenIndex", a.chosenIndex());
      require(!a.entries().isEmpty(), m, "no entries");
      entries(m, a.entries(), INDEX_MAX);
      for (Entry e : a.entries()) {
        require(
            e.ballot() == a.ballot(),
            m,
            "entry of slot %d has ballot %s, not the accept's",
            e.slot(),
            Ballot.toString(e.ballot()));
      }
    } else if (m instanceof Message.Accepted a) {
      ballot(m, "ballot", a.ballot(), m.to());
      slots(m, a.slots());
    } else if (m instanceof Message.Nack n) {
      ballot(m, "ballot", n.ballot(), m.to());
      promised(m, n.promised());
      require(
          n.reason() != Message.NackReason.HIGHER_BALLOT || n.promised() > n.ballot(),
          m,
          "a higher-ballot refusal names promise %s, not above %s",
          Ballot.toString(n.promised()),
          Ballot.toString(n.ballot()));
    } else if (m instanceof Message.Heartbeat h) {
      ballot(m, "ballot", h.ballot(), m.from());
      index(m, "round", h.round());
      index(m, "chosenIndex", h.chosenIndex());
    } else if (m instanceof Message.HeartbeatAck h) {
      ballot(m, "ballot", h.ballot(), m.to());
      index(m, "round", h.round());
      index(m, "chosenIndex", h.chosenIndex());
    } else if (m instanceof Message.CatchUpRequest c) {
      slot(m, "fromSlot", c.fromSlot());
    } else if (m instanceof Message.CatchUpEntries c) {
      index(m, "chosenIndex", c.chosenIndex());
      entries(m, c.entries(), c.chosenIndex());
    } else if (m instanceof Message.SnapshotChunk c) {
      slot(m, "snapshotIndex", c.snapshotIndex());
      require(
          c.offset() <= SNAPSHOT_BYTES_MAX && c.offset() + c.data().length <= SNAPSHOT_BYTES_MAX,
          m,
          "chunk ends at byte %d, beyond the %d a snapshot may have",
          c.offset() + c.data().length,
          SNAPSHOT_BYTES_MAX);
    } else if (m instanceof Message.StateChecksum c) {
      slot(m, "index", c.index());
    } else if (m instanceof Message.TimeoutNow t) {
      ballot(m, "ballot", t.ballot(), m.from());
      member(m, "candidate", t.candidate());
    }
  }

  private void ballotOwner(Message m, String field, int id) {
    require(ballotOwners.test(id), m, "%s %d is not a member of the cell", field, id);
  }

  private void member(Message m, String field, int id) {
    require(members.test(id), m, "%s %d is not a member of the cell", field, id);
  }

  /** A proposer's ballot: a real round in range, proposed by {@code owner}. */
  private void ballot(Message m, String field, long ballot, int owner) {
    long round = Ballot.round(ballot);
    require(
        round >= 1 && round <= ROUND_MAX,
        m,
        "%s round %d is outside [1, %d]",
        field,
        round,
        ROUND_MAX);
    require(
        Ballot.replicaId(ballot) == owner,
        m,
        "%s %s belongs to replica %d, not to %d",
        field,
        Ballot.toString(ballot),
        Ballot.replicaId(ballot),
        owner);
  }

  /** An acceptor's promise: none yet, or a ballot of some member in range. */
  private void promised(Message m, long ballot) {
    if (ballot == Ballot.ZERO) {
      return;
    }
    ballot(m, "promised", ballot, Ballot.replicaId(ballot));
    ballotOwner(m, "promised ballot's replica", Ballot.replicaId(ballot));
  }

  private static void slot(Message m, String field, long slot) {
    require(slot >= 1 && slot <= INDEX_MAX, m, "%s %d is outside [1, %d]", field, slot, INDEX_MAX);
  }

  private static void index(Message m, String field, long index) {
    require(
        index >= 0 && index <= INDEX_MAX, m, "%s %d is outside [0, %d]", field, index, INDEX_MAX);
  }

  /** Entries in increasing slot order, at most {@code slotMax}, each at a member's ballot. */
  private void entries(Message m, List<Entry> entries, long slotMax) {
    require(
        entries.size() <= ENTRIES_MAX, m, "%d entries, more than %d", entries.size(), ENTRIES_MAX);
    long previous = 0;
    for (Entry e : entries) {
      require(
          e.slot() > previous && e.slot() <= slotMax,
          m,
          "entry slot %d out of order or beyond %d",
          e.slot(),
          slotMax);
      ballot(m, "entry ballot", e.ballot(), Ballot.replicaId(e.ballot()));
      ballotOwner(m, "entry ballot's replica", Ballot.replicaId(e.ballot()));
      previous = e.slot();
    }
  }

  private static void slots(Message m, List<Long> slots) {
    require(slots.size() <= ENTRIES_MAX, m, "%d slots, more than %d", slots.size(), ENTRIES_MAX);
    long previous = 0;
    for (long slot : slots) {
      require(
          slot > previous && slot <= INDEX_MAX,
          m,
          "slot %d out of order or beyond %d",
          slot,
          INDEX_MAX);
      previous = slot;
    }
  }

  /** The wire contract; throws {@link MalformedMessageException} if {@code m} breaks it. */
  static void check(Message m) {
    checkId("from", m.from());
    checkId("to", m.to());
    if (m instanceof Message.PreVote v) {
      nonNegative(v, "ballot", v.ballot());
    } else if (m instanceof Message.PreVoteReply r) {
      nonNegative(r, "ballot", r.ballot());
      nonNegative(r, "promised", r.promised());
    } else if (m instanceof Message.Prepare p) {
      nonNegative(p, "ballot", p.ballot());
      nonNegative(p, "fromSlot", p.fromSlot());
    } else if (m instanceof Message.Promise p) {
      nonNegative(p, "ballot", p.ballot());
      nonNegative(p, "chosenIndex", p.chosenIndex());
      entries(p, p.accepted());
    } else if (m instanceof Message.Accept a) {
      nonNegative(a, "ballot", a.ballot());
      nonNegative(a, "chosenIndex", a.chosenIndex());
      entries(a, a.entries());
    } else if (m instanceof Message.Accepted a) {
      nonNegative(a, "ballot", a.ballot());
      for (long slot : a.slots()) {
        require(slot >= 1, a, "slots must be >= 1, found %d", slot);
      }
    } else if (m instanceof Message.Nack n) {
      nonNegative(n, "ballot", n.ballot());
      nonNegative(n, "promised", n.promised());
      require(n.reason() != null, n, "reason is missing");
    } else if (m instanceof Message.Heartbeat h) {
      nonNegative(h, "ballot", h.ballot());
      nonNegative(h, "round", h.round());
      nonNegative(h, "chosenIndex", h.chosenIndex());
    } else if (m instanceof Message.HeartbeatAck h) {
      nonNegative(h, "ballot", h.ballot());
      nonNegative(h, "round", h.round());
      nonNegative(h, "chosenIndex", h.chosenIndex());
    } else if (m instanceof Message.CatchUpRequest c) {
      nonNegative(c, "fromSlot", c.fromSlot());
    } else if (m instanceof Message.CatchUpEntries c) {
      nonNegative(c, "chosenIndex", c.chosenIndex());
      entries(c, c.entries());
    } else if (m instanceof Message.SnapshotChunk s) {
      nonNegative(s, "snapshotIndex", s.snapshotIndex());
      nonNegative(s, "offset", s.offset());
    } else if (m instanceof Message.StateChecksum c) {
      nonNegative(c, "index", c.index());
    } else if (m instanceof Message.TimeoutNow t) {
      nonNegative(t, "ballot", t.ballot());
      checkId("candidate", t.candidate());
    }
  }

  private static void checkId(String field, int id) {
    if (id < 0 || id > REPLICA_ID_MAX) {
      throw new MalformedMessageException(
          String.format("replica id '%s' must be in [0, %d], was %d", field, REPLICA_ID_MAX, id));
    }
  }

  private static void entries(Message m, List<Entry> entries) {
    for (Entry e : entries) {
      nonNegative(m, "entry ballot", e.ballot());
    }
  }

  private static void nonNegative(Message m, String field, long value) {
    require(value >= 0, m, "%s must be >= 0, was %d", field, value);
  }

  private static void require(boolean ok, Message m, String format, Object... args) {
    if (!ok) {
      String where = String.format("%s %d->%d: ", m.getClass().getSimpleName(), m.from(), m.to());
      throw new MalformedMessageException(where + String.format(format, args));
    }
  }
}
