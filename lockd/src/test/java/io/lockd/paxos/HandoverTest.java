package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader that removes itself hands leadership over ({@link Handover}): it takes no new proposals
 * once its removal is chosen, waits until the most caught-up remaining voter has learned all it
 * chose, gives its lease up and tells that voter to campaign at once ({@link Message.TimeoutNow}).
 * Times are the bare cells' simulated milliseconds.
 */
class HandoverTest {
  private long nextCommand = 1;

  @Test
  void aRemovedLeaderHandsOverWithoutAnElectionTimeoutOrALeaseWait() {
    CoreCell cell = new CoreCell(3);
    int leader = fourVoters(cell);
    PaxosNode old = cell.node(leader);
    PaxosConfig timing = PaxosConfig.defaults(leader, cell.ids);
    // Until the leader hears how far the others got, it cannot hand over: hold that back a while.
    cell.drop = m -> m instanceof Message.HeartbeatAck && m.to() == leader;
    assertNull(cell.change(leader, new MembershipChange.Remove(leader)));
    for (int i = 0; i < 40 && old.governingMembership().contains(leader); i++) {
      cell.advance(5);
    }
    assertEquals(Role.LEADER, old.role());
    assertTrue(!old.governingMembership().contains(leader), "its removal governs");
    assertEquals(
        ProposeResult.NOT_LEADER,
        old.propose(new Command(nextCommand++, new byte[] {1})),
        "a leader whose removal is chosen takes no new proposal");
    assertNotEquals(leader, old.leaderHint(cell.now), "it sends clients to a remaining voter");
    assertTrue(old.leaderHint(cell.now) > 0, "one it names");
    cell.drop = m -> false;
    long stoppedLeading = -1;
    long nextServes = -1;
    for (int i = 0; i < 400 && nextServes < 0; i++) {
      cell.advance(5);
      if (stoppedLeading < 0 && old.role() != Role.LEADER) {
        stoppedLeading = cell.now;
      }
      for (PaxosNode n : cell.nodes.values()) {
        if (n.selfId() != leader && n.canServeReads(cell.now)) {
          nextServes = cell.now;
        }
      }
    }
    assertTrue(stoppedLeading > 0 && nextServes > 0, "no successor served");
    assertTrue(
        cell.sent.stream().anyMatch(m -> m instanceof Message.TimeoutNow t && t.from() == leader),
        "the leader handed over");
    long gap = nextServes - stoppedLeading;
    System.out.printf(
        "HANDOVER the successor served %d ms after the old leader stepped down%n", gap);
    assertTrue(
        gap < timing.leaseMillis() && gap < timing.electionTimeoutMillis(),
        "the successor served " + gap + " ms after the old leader stepped down");
    assertTrue(!old.holdsLease(cell.now), "the old leader gave its lease up");
    cell.advance(2_000);
    assertEquals(Role.FOLLOWER, old.role(), "a removed replica never campaigns");
  }

  @Test
  void withoutACaughtUpVoterTheLeaderStepsDownAnywayAndTheOthersElect() {
    CoreCell cell = new CoreCell(3);
    int leader = fourVoters(cell);
    PaxosNode old = cell.node(leader);
    // The leader never learns how far anyone got, so no voter is ever known to be caught up.
    cell.drop = m -> m instanceof Message.HeartbeatAck && m.to() == leader;
    assertNull(cell.change(leader, new MembershipChange.Remove(leader)));
    cell.advance(3_000);
    assertEquals(Role.FOLLOWER, old.role(), "the removed leader stepped down");
    assertTrue(
        cell.sent.stream().noneMatch(m -> m instanceof Message.TimeoutNow),
        "it handed over to a voter it did not know to be caught up");
    int next = -1;
    for (PaxosNode n : cell.nodes.values()) {
      if (n.canServeReads(cell.now)) {
        next = n.selfId();
      }
    }
    assertTrue(next > 0 && next != leader, "the others elected a leader");
  }

  @Test
  void aLateTimeoutNowDoesNotDeposeALeaderElectedSince() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int other = leader % 3 + 1;
    long stale = cell.node(other).promised() - 1;
    cell.node(other).step(new Message.TimeoutNow(leader, other, stale, other), cell.now);
    cell.settle();
    cell.advance(100);
    assertEquals(Role.LEADER, cell.node(leader).role(), "the leader keeps leading");
    assertEquals(Role.FOLLOWER, cell.node(other).role());
  }

  /** Grows the cell to four voters (the leader and 1–3 besides it, plus 4); returns the leader. */
  private static int fourVoters(CoreCell cell) {
    int leader = cell.electLeader();
    assertNull(cell.addVoter(leader, 4));
    assertEquals(List.of(1, 2, 3, 4), cell.node(leader).governingMembership().voters());
    return leader;
  }
}
