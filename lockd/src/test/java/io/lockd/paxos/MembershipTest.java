package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.MembershipChange.Refusal.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Membership changes on the bare core ({@link CoreCell}): learners, promotion only once caught up,
 * one change at a time, removal (of the leader too), and the configuration in snapshots. The
 * whole-cell behaviour under faults is {@code io.lockd.sim.ReconfigurationSimulationTest}.
 */
class MembershipTest {
  private long nextCommand = 1;

  @Test
  void aLearnerReceivesTheLogButIsPromotedOnlyOnceCaughtUp() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    PaxosNode l = cell.node(leader);
    PaxosNode learner = cell.join(4);
    cell.isolate(4);
    assertNull(change(cell, leader, new MembershipChange.Add(4, "h4:7000", "h4:7001")));
    cell.advance(500); // the add takes effect after the window, which the leader fills
    assertEquals(List.of(4), l.membership().learners());
    assertEquals(List.of(1, 2, 3), l.membership().voters());
    MembershipChange.Refusal behind = change(cell, leader, new MembershipChange.Promote(4));
    assertEquals(Kind.FAILED_PRECONDITION, behind.kind());
    assertTrue(behind.message().contains("not caught up"), behind.message());
    cell.healAll();
    cell.advance(500);
    assertEquals(l.chosenIndex(), learner.chosenIndex(), "the learner caught up");
    assertEquals(Role.FOLLOWER, learner.role(), "a learner never campaigns");
    assertNull(change(cell, leader, new MembershipChange.Promote(4)));
    cell.advance(500);
    assertEquals(List.of(1, 2, 3, 4), l.governingMembership().voters());
    assertEquals(List.of(1, 2, 3, 4), learner.governingMembership().voters());
  }

  @Test
  void aLearnerNeverCountsInAQuorum() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    cell.join(4);
    assertNull(change(cell, leader, new MembershipChange.Add(4, "", "")));
    cell.advance(500);
    long chosen = cell.node(leader).chosenIndex();
    for (int id : List.of(1, 2, 3)) {
      if (id != leader) {
        cell.isolate(id);
      }
    }
    cell.node(leader).propose(new Command(nextCommand++, new byte[] {1}));
    cell.advance(1_000);
    assertEquals(chosen, cell.node(leader).chosenIndex(), "leader and learner are no majority");
    assertTrue(!cell.node(leader).holdsLease(cell.now), "nor do they make a lease");
  }

  @Test
  void changesThatBreakARuleAreRefusedWithTheReason() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int follower = leader % 3 + 1;
    assertEquals(
        Kind.NOT_LEADER, change(cell, follower, new MembershipChange.Add(9, "", "")).kind());
    assertEquals(
        Kind.ALREADY_EXISTS, change(cell, leader, new MembershipChange.Add(2, "", "")).kind());
    assertEquals(Kind.NOT_FOUND, change(cell, leader, new MembershipChange.Remove(9)).kind());
    assertEquals(Kind.NOT_FOUND, change(cell, leader, new MembershipChange.Promote(9)).kind());
    MembershipChange.Refusal few = change(cell, leader, new MembershipChange.Remove(follower));
    assertEquals(Kind.FAILED_PRECONDITION, few.kind());
    assertTrue(few.message().contains("fewer than 3 voters"), few.message());
    assertEquals(
        Kind.INVALID_ARGUMENT, change(cell, leader, new MembershipChange.Add(0, "", "")).kind());
    cell.isolate(follower); // so that the add is not chosen at once
    cell.isolate(follower % 3 + 1 == leader ? leader % 3 + 1 : follower % 3 + 1);
    assertNull(change(cell, leader, new MembershipChange.Add(4, "a:1", "a:2")));
    MembershipChange.Refusal second = change(cell, leader, new MembershipChange.Add(5, "", ""));
    assertEquals(Kind.FAILED_PRECONDITION, second.kind());
    assertTrue(second.message().contains("in progress"), second.message());
    cell.healAll();
    cell.advance(500);
    assertEquals(
        Kind.ALREADY_EXISTS,
        change(cell, leader, new MembershipChange.Add(5, "a:1", "")).kind(),
        "another member's peer address");
  }

  @Test
  void aRemovedLeaderStepsDownAndTheRemainingVotersElectOneOfThem() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    assertNull(cell.addVoter(leader, 4));
    assertNull(change(cell, leader, new MembershipChange.Remove(leader)));
    cell.advance(3_000);
    PaxosNode old = cell.node(leader);
    assertEquals(Role.FOLLOWER, old.role(), "the removed leader stepped down");
    int next = -1;
    for (PaxosNode n : cell.nodes.values()) {
      if (n.canServeReads(cell.now)) {
        next = n.selfId();
      }
    }
    assertTrue(next > 0, "the others elected a leader");
    assertNotEquals(leader, next);
    assertTrue(!cell.node(next).governingMembership().contains(leader));
    cell.advance(3_000);
    assertEquals(Role.FOLLOWER, old.role(), "a removed replica never campaigns");
  }

  @Test
  void aRestartedReplicaKnowsTheConfigurationFromItsSnapshot() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    cell.join(4);
    assertNull(change(cell, leader, new MembershipChange.Add(4, "h4:7000", "h4:7001")));
    cell.advance(500);
    int follower = leader % 3 + 1;
    PaxosNode f = cell.node(follower);
    f.snapshotTaken(f.appliedIndex(), new byte[] {42});
    cell.persist(follower);
    PaxosNode restarted = cell.restart(follower);
    assertEquals(List.of(4), restarted.membership().learners());
    assertEquals("h4:7000", restarted.membership().members().get(4).peerAddress());
    Ready first = restarted.ready(cell.now);
    assertEquals(1L, first.snapshot().state().size(), "the state machine gets only its own bytes");
  }

  private MembershipChange.Refusal change(CoreCell cell, int at, MembershipChange c) {
    MembershipChange.Refusal r = cell.node(at).proposeChange(c, nextCommand++);
    cell.settle();
    return r;
  }
}
