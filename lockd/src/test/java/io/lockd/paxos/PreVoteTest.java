package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pre-vote and the leader's answer to a higher ballot, on the bare core: three {@link
 * PaxosNode}s wired to each other ({@link CoreCell}). The whole-cell behaviour is in {@code
 * io.lockd.sim.LeaderStabilityTest}.
 */
class PreVoteTest {
  private static final List<Integer> IDS = List.of(1, 2, 3);

  @Test
  void answeringAPreVoteChangesNothingAndWritesNothing() {
    PaxosNode acceptor = newNode(2, 0);
    long now = 1_000; // past the quiet period after start
    acceptor.step(new Message.PreVote(3, 2, Ballot.of(1, 3)), now);
    Ready ready = acceptor.ready(now);
    assertEquals(List.of(), ready.writes());
    assertEquals(List.of(), ready.sendAfterDurable());
    assertEquals(
        List.of(new Message.PreVoteReply(2, 3, Ballot.of(1, 3), Ballot.ZERO, true)),
        ready.sendNow());
    assertEquals(Ballot.ZERO, acceptor.promised());
    assertEquals(Role.FOLLOWER, acceptor.role());
  }

  @Test
  void aPreVoteIsRefusedWhileTheAcceptorGrantsALeaseToAnother() {
    PaxosNode acceptor = newNode(2, 0);
    assertFalse(preVote(acceptor, 3, 100), "within the quiet period after a restart");
    acceptor.step(new Message.Heartbeat(1, 2, Ballot.of(1, 1), 1, 0), 1_000);
    acceptor.ready(1_000);
    assertFalse(preVote(acceptor, 3, 1_200), "replica 1's lease is live");
    assertTrue(preVote(acceptor, 1, 1_200), "the lease holder itself may campaign again");
    assertTrue(preVote(acceptor, 3, 1_500), "the lease ran out");
    assertEquals(Ballot.ZERO, acceptor.promised());
  }

  @Test
  void aFollowerThatHearsNoOneNeverRaisesItsPromise() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    long ballot = cell.node(leader).ballot();
    int f = leader % 3 + 1;
    cell.isolate(f);
    cell.advance(3_000);
    assertEquals(ballot, cell.node(f).promised());
    assertFalse(
        cell.promiseWrites.get(f).stream().anyMatch(b -> b > ballot),
        "the cut-off follower wrote a higher promise");
    cell.healAll();
    cell.advance(1_000);
    assertEquals(Role.LEADER, cell.node(leader).role());
    assertEquals(ballot, cell.node(leader).ballot());
    assertEquals(leader, cell.node(f).leaderHint(cell.now));
  }

  @Test
  void aLeaderUnderLeaseAnswersAHigherBallotWithPhase1AboveIt() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    PaxosNode l = cell.node(leader);
    int f = leader % 3 + 1;
    long higher = Ballot.of(Ballot.round(l.ballot()) + 5, f);
    assertTrue(l.holdsLease(cell.now));
    l.step(
        new Message.Nack(f, leader, l.ballot(), higher, Message.NackReason.HIGHER_BALLOT),
        cell.now);
    assertEquals(Role.CANDIDATE, l.role());
    assertTrue(l.ballot() > higher, "the new ballot is above the one the nack reported");
    cell.settle();
    assertEquals(Role.LEADER, l.role(), "re-elected at once, without waiting for a timeout");
    cell.advance(300);
    assertEquals(Role.LEADER, l.role());
    for (int id : IDS) {
      assertEquals(l.ballot(), cell.node(id).promised());
    }
  }

  @Test
  void aLeaderWhoseLeaseRanOutStepsDownOnAHigherBallot() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    PaxosNode l = cell.node(leader);
    int f = leader % 3 + 1;
    long later = cell.now + 600; // no heartbeat round acked since: the lease has run out
    assertFalse(l.holdsLease(later));
    long higher = Ballot.of(Ballot.round(l.ballot()) + 5, f);
    l.step(
        new Message.Nack(f, leader, l.ballot(), higher, Message.NackReason.HIGHER_BALLOT), later);
    assertEquals(Role.FOLLOWER, l.role());
  }

  @Test
  void aLostConnectionToTheLeaderStartsTheElectionAsSoonAsItsLeaseRunsOut() {
    assertTrue(
        electionAfterLeaderCutOff(true) <= PaxosConfig.LEASE_MILLIS + 50,
        "with the hint, the election waits only for the lease grants");
    assertTrue(
        electionAfterLeaderCutOff(false) >= PaxosConfig.ELECTION_TIMEOUT_MILLIS,
        "without it, followers wait out their election timeout");
  }

  /** Cuts the leader off, optionally tells its followers so; the time until another serves. */
  private static long electionAfterLeaderCutOff(boolean told) {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    cell.advance(200);
    long cutAt = cell.now;
    cell.isolate(leader);
    if (told) {
      for (int f : IDS) {
        if (f != leader) {
          cell.node(f).peerLost(leader, cell.now);
        }
      }
    }
    for (int i = 0; i < 1_000; i++) {
      cell.advance(5);
      for (int id : IDS) {
        if (id != leader && cell.node(id).canServeReads(cell.now)) {
          return cell.now - cutAt;
        }
      }
    }
    throw new AssertionError("no new leader");
  }

  @Test
  void aLostConnectionToALiveLeaderCostsItNothing() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    long ballot = cell.node(leader).ballot();
    int f = leader % 3 + 1;
    cell.node(f).peerLost(leader, cell.now);
    assertEquals(-1, cell.node(f).leaderHint(cell.now));
    cell.advance(2_000);
    assertEquals(Role.LEADER, cell.node(leader).role());
    assertEquals(ballot, cell.node(leader).ballot());
    assertEquals(leader, cell.node(f).leaderHint(cell.now));
  }

  private static PaxosNode newNode(int id, long now) {
    return CoreCell.newNode(id, IDS, now);
  }

  private static boolean preVote(PaxosNode acceptor, int from, long now) {
    acceptor.step(new Message.PreVote(from, acceptor.selfId(), Ballot.of(7, from)), now);
    Message reply = acceptor.ready(now).sendNow().get(0);
    return ((Message.PreVoteReply) reply).granted();
  }
}
