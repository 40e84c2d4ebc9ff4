package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.MembershipChange.Refusal.Kind;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What the operator's tools rely on in the core: a removed id is remembered by every replica, in
 * snapshots too, and is never added again; checksums follow the configuration in force, not the one
 * the cell started with; and a replica that cannot hear its leader (the leader is a member it has
 * not learned of, whose links it refuses) catches up from a peer whose checksum shows it is ahead.
 */
class RetiredMemberTest {
  private long nextCommand = 1;

  @Test
  void aRemovedIdIsRememberedEverywhereAndNeverAddedAgain() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    cell.join(4);
    assertNull(change(cell, leader, new MembershipChange.Add(4, "h4:1", "h4:2")));
    cell.advance(500);
    assertNull(change(cell, leader, new MembershipChange.Remove(4)));
    cell.advance(500);
    for (int id : List.of(1, 2, 3)) {
      assertTrue(cell.node(id).membership().wasRemoved(4), "replica " + id + " remembers");
    }
    MembershipChange.Refusal again = change(cell, leader, new MembershipChange.Add(4, "h5:1", ""));
    assertEquals(Kind.FAILED_PRECONDITION, again.kind());
    assertTrue(again.message().contains("ids are never reused"), again.message());

    int follower = leader % 3 + 1;
    PaxosNode f = cell.node(follower);
    f.snapshotTaken(f.appliedIndex(), new byte[] {7});
    cell.persist(follower);
    assertTrue(cell.restart(follower).membership().wasRemoved(4), "the snapshot carries it");
  }

  @Test
  void aConfigurationReadsBackWithItsRemovedIdsAndAnOldOneWithoutAny() {
    Membership m =
        Membership.ofVoters(List.of(1, 2, 3)).with(new Membership.Member(4, false, "a:1", "a:2"));
    Membership removed = m.without(2);
    assertEquals(removed, Membership.fromCommand(removed.toCommand(9)));
    assertTrue(Membership.fromCommand(removed.toCommand(9)).wasRemoved(2));
    byte[] current = m.encode();
    byte[] v1 = new byte[current.length - 4]; // version 1: no list of removed ids at the end
    System.arraycopy(current, 0, v1, 0, v1.length);
    v1[4] = 1;
    Membership old = Membership.fromCommand(new Command(1, v1));
    assertEquals(new Membership(new TreeMap<>(m.members())), old);
  }

  @Test
  void aReplicaThatCannotHearItsLeaderCatchesUpFromAPeerAhead() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int ahead = leader % 3 + 1;
    int behind = 6 - leader - ahead;
    cell.isolate(behind);
    for (int i = 0; i < 20; i++) {
      cell.node(leader).propose(new Command(nextCommand++, new byte[] {(byte) i}));
      cell.advance(10);
    }
    cell.advance(1_000);
    PaxosNode a = cell.node(ahead);
    assertTrue(a.chosenIndex() > cell.node(behind).chosenIndex());
    cell.healAll();
    cell.drop = m -> m.from() == leader && m.to() == behind; // its links refuse the leader
    a.checksumTaken(a.appliedIndex(), 42, cell.now);
    cell.settle();
    cell.advance(200);
    assertTrue(
        cell.node(behind).chosenIndex() >= a.appliedIndex(),
        "caught up from the peer: " + cell.node(behind).chosenIndex() + " < " + a.appliedIndex());
  }

  private MembershipChange.Refusal change(CoreCell cell, int at, MembershipChange c) {
    MembershipChange.Refusal r = cell.node(at).proposeChange(c, nextCommand++);
    cell.settle();
    return r;
  }
}
