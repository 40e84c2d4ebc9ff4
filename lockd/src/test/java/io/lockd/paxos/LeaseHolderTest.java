package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Who may say it holds the leader lease ({@link PaxosNode#holdsLease}): the session duties expire
 * sessions only there, and the simulations check at every step that no two replicas do at once.
 */
class LeaseHolderTest {
  /**
   * A replica that won Phase 1 while behind does not hold the lease until it has learned what its
   * promisers reported chosen: until then it may not know the configurations in force (the
   * lock-service simulation's seed 4830 had such a replica, removed in a configuration it had not
   * learned, count a lease in the old one beside the real leader's).
   */
  @Test
  void aLeaderStillRecoveringDoesNotHoldTheLease() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int behind = leader % 3 + 1;
    int other = behind % 3 + 1;
    cell.isolate(behind);
    for (long id = 1; id <= 5; id++) {
      assertEquals(ProposeResult.QUEUED, cell.node(leader).propose(new Command(id, new byte[1])));
      cell.settle();
    }
    cell.advance(100); // the lazy follower's batch, and a heartbeat that tells it what is chosen
    long chosen = cell.node(other).chosenIndex();
    assertTrue(chosen > cell.node(behind).chosenIndex());

    // The leader goes away; the replica that is behind campaigns (the other one does not) and
    // cannot learn what it lacks: no catch-up, and its own accepts are lost.
    cell.healAll();
    cell.isolate(leader);
    cell.drop =
        m ->
            m instanceof Message.CatchUpRequest
                || m instanceof Message.CatchUpEntries
                || m instanceof Message.SnapshotChunk
                || (m.from() == behind && m instanceof Message.Accept)
                || (m.from() == other
                    && (m instanceof Message.PreVote || m instanceof Message.Prepare));
    for (int i = 0; i < 400 && cell.node(behind).role() != Role.LEADER; i++) {
      cell.advance(5);
    }
    PaxosNode candidate = cell.node(behind);
    assertEquals(Role.LEADER, candidate.role(), candidate.toString());
    cell.advance(200); // heartbeat rounds the other replica acknowledges
    assertTrue(candidate.chosenIndex() < chosen, candidate.toString());
    assertFalse(candidate.holdsLease(cell.now), "recovering: " + candidate);
    assertFalse(candidate.canServeReads(cell.now));

    cell.drop = m -> false;
    for (int i = 0; i < 400 && !candidate.canServeReads(cell.now); i++) {
      cell.advance(5);
    }
    assertTrue(candidate.chosenIndex() >= chosen, candidate.toString());
    assertTrue(candidate.holdsLease(cell.now), "recovered and leading: " + candidate);
  }
}
