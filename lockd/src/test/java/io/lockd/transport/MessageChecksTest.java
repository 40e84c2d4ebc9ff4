package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Batch;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The protocol's ranges at the edge of the core: every field of every message kind, for a cell of
 * replicas 1 to 5. Each refusal must say what was wrong.
 */
class MessageChecksTest {
  private static final MessageChecks CELL = new MessageChecks(List.of(1, 2, 3, 4, 5));
  private static final long B1 = Ballot.of(3, 1);
  private static final long B2 = Ballot.of(3, 2);

  @Test
  void messagesTheProtocolSendsPass() {
    List<Message> valid =
        List.of(
            new Message.PreVote(1, 2, B1),
            new Message.PreVoteReply(2, 1, B1, Ballot.ZERO, true),
            new Message.Prepare(1, 2, B1, 1),
            new Message.Promise(2, 1, B1, 4, List.of(entry(5, Ballot.of(2, 2)), entry(6, B1))),
            new Message.Accept(1, 2, B1, List.of(entry(5, B1), entry(6, B1)), 4),
            new Message.Accepted(2, 1, B1, List.of(5L, 6L)),
            new Message.Accepted(2, 1, B1, List.of()),
            new Message.Nack(2, 1, B1, Ballot.of(4, 3), Message.NackReason.HIGHER_BALLOT),
            new Message.Nack(2, 1, B1, Ballot.ZERO, Message.NackReason.LEASE_HELD),
            new Message.Heartbeat(1, 2, B1, 0, 0),
            new Message.HeartbeatAck(2, 1, B1, 0, 0),
            new Message.CatchUpRequest(2, 1, 1),
            new Message.CatchUpEntries(1, 2, List.of(entry(1, B2), entry(2, B1)), 2),
            new Message.SnapshotChunk(1, 2, 9, 0, new byte[16], true),
            new Message.StateChecksum(1, 2, 9, -1L),
            new Message.SnapshotRequest(2, 1),
            new Message.TimeoutNow(1, 2, B1, 3));
    for (Message m : valid) {
      assertNull(CELL.refusal(m), m::toString);
    }
  }

  @Test
  void ballotsOutsideTheRoundsARealCellReachesAreRefused() {
    long last = Ballot.of(Ballot.ROUND_LIMIT - 1, 1);
    refused(new Message.Prepare(1, 2, last, 1), "round");
    refused(new Message.Prepare(1, 2, Ballot.of(MessageChecks.ROUND_MAX + 1, 1), 1), "round");
    refused(new Message.Heartbeat(1, 2, Ballot.of(0, 1), 0, 0), "round");
    refused(new Message.PreVoteReply(2, 1, B1, last, true), "round");
    refused(new Message.Nack(2, 1, B1, last, Message.NackReason.LEASE_HELD), "round");
    refused(new Message.CatchUpEntries(1, 2, List.of(entry(1, last)), 1), "round");
  }

  @Test
  void aBallotMustBelongToTheReplicaThatProposesIt() {
    refused(new Message.Prepare(1, 2, B2, 1), "belongs to replica 2, not to 1");
    refused(new Message.Accept(4, 2, B2, List.of(entry(3, B2)), 2), "belongs to replica 2");
    refused(new Message.Heartbeat(4, 2, B2, 1, 1), "belongs to replica 2");
    refused(new Message.Promise(2, 1, B2, 0, List.of()), "belongs to replica 2, not to 1");
    refused(new Message.Accepted(2, 1, B2, List.of(1L)), "belongs to replica 2, not to 1");
    refused(new Message.Accept(1, 2, B1, List.of(entry(3, B2)), 2), "not the accept's");
    refused(new Message.TimeoutNow(1, 3, B2, 3), "belongs to replica 2, not to 1");
    refused(
        new Message.Promise(2, 1, B1, 0, List.of(entry(3, Ballot.of(4, 2)))), "above the promised");
  }

  @Test
  void idsMustBeMembers() {
    refused(new Message.CatchUpRequest(9, 1, 1), "from 9 is not a member");
    refused(new Message.CatchUpRequest(1, 0, 1), "to 0 is not a member");
    refused(new Message.Prepare(9, 1, Ballot.of(3, 9), 1), "not a member");
    refused(new Message.TimeoutNow(1, 2, B1, 9), "candidate 9 is not a member");
    refused(
        new Message.CatchUpEntries(1, 2, List.of(entry(1, Ballot.of(2, 7))), 1), "not a member");
  }

  @Test
  void slotsIndexesCountsAndSizesStayInRange() {
    refused(new Message.Prepare(1, 2, B1, 0), "fromSlot 0");
    refused(new Message.CatchUpRequest(2, 1, 0), "fromSlot 0");
    refused(new Message.Heartbeat(1, 2, B1, 0, MessageChecks.INDEX_MAX + 1), "chosenIndex");
    refused(new Message.Accept(1, 2, B1, List.of(), 0), "no entries");
    refused(new Message.Accept(1, 2, B1, List.of(entry(6, B1), entry(5, B1)), 0), "out of order");
    refused(new Message.Accepted(2, 1, B1, List.of(5L, 5L)), "out of order");
    refused(new Message.CatchUpEntries(1, 2, List.of(entry(3, B1)), 2), "beyond 2");
    refused(new Message.SnapshotChunk(1, 2, 0, 0, new byte[1], true), "snapshotIndex 0");
    refused(
        new Message.SnapshotChunk(1, 2, 9, MessageChecks.SNAPSHOT_BYTES_MAX, new byte[1], true),
        "beyond");
    refused(new Message.StateChecksum(1, 2, 0, 1), "index 0");
    refused(new Message.Nack(2, 1, B1, B1, Message.NackReason.HIGHER_BALLOT), "not above");
    refused(new Message.Prepare(1, 2, -1, 1), "must be >= 0");
  }

  private static Entry entry(long slot, long ballot) {
    return new Entry(slot, ballot, Batch.NOOP);
  }

  private static void refused(Message m, String why) {
    String refusal = CELL.refusal(m);
    assertNotNull(refusal, () -> m + " passed");
    assertTrue(refusal.contains(why), () -> "'" + refusal + "' lacks '" + why + "'");
  }
}
