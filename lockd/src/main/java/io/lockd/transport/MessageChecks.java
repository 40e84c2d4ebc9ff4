package io.lockd.transport;

import io.lockd.paxos.Entry;
import io.lockd.paxos.Message;
import java.util.List;

/**
 * Range checks on a {@link Message}, run before encoding and after decoding. The records in {@code
 * paxos/} accept any long; the wire contract does not, and a negative ballot or slot is always a
 * bug or a corrupt peer, better refused at the border than interpreted.
 */
final class MessageChecks {
  /** Replica ids fit the 16 bits a {@link io.lockd.paxos.Ballot} reserves for them. */
  static final int REPLICA_ID_MAX = 0xFFFF;

  private MessageChecks() {}

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
