package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Role;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.v1.EventType;
import io.lockd.server.CoreHarness.Sink;
import org.junit.jupiter.api.Test;

/**
 * A new leader takes over its sessions a page per turn of its loop: with 20,000 sessions the whole
 * takeover in one turn held a fresh leader's loop for about a second on a loaded machine, and it
 * lost the lease it had just won; the next leader did the same (docs/server.md, "Overload").
 */
class TermStartTest {
  private static final int SESSIONS = 2 * SessionWalk.PAGE + 100;

  @Test
  void aNewLeaderTakesOverItsSessionsAPagePerTurnAndExpiresNoneBeforeTheGrace() {
    CoreHarness h = new CoreHarness(5_000);
    long first = 0;
    long last = 0;
    for (int i = 0; i < SESSIONS; i++) {
      last = h.createSession(1_000);
      first = first == 0 ? last : first;
    }
    h.replica.role = Role.FOLLOWER;
    h.step();
    assertEquals(0, h.server.trackedSessions());

    h.replica.role = Role.LEADER;
    h.replica.ballot = 2;
    h.server.onTick(); // one turn of the loop
    assertTrue(
        h.server.trackedSessions() <= SessionWalk.PAGE,
        "one turn took over " + h.server.trackedSessions() + " sessions");

    // a session the walk has not reached yet is taken over when it is heard from
    Sink late = h.stream(last, 0);
    assertEquals(EventType.EVENT_TYPE_LEADER_CHANGED, late.events().get(0).getType());
    CellServerTest.KeepAliveResponseCheck.leaseLeft(late, 1_000);

    for (int turn = 0; turn < 3; turn++) {
      h.server.onTick();
    }
    assertEquals(SESSIONS, h.server.trackedSessions());
    h.apply(); // the grace is logged
    h.advance(4_900);
    assertEquals(
        0,
        h.replica.proposed.stream()
            .filter(c -> c.getOpCase() == NamespaceCommand.OpCase.EXPIRE_SESSION)
            .count(),
        "an inherited session expired within the grace");
    h.namespace.getSession(first);
  }

  /**
   * A CreateSession that an earlier leader proposed and this one re-proposed in its term is applied
   * with nobody here waiting for its answer; its client may be gone. The leader still times the
   * session and expires it once any lease it could have was over, not at the next reconciliation a
   * minute later (lock-service simulation with reconfiguration, seed 2760).
   */
  @Test
  void aSessionCreatedByACommandThisLeaderDidNotProposeIsTimedAndExpires() {
    CoreHarness h = new CoreHarness(1_000);
    h.step();
    h.replica.applyUnproposed(
        NamespaceCommand.newBuilder()
            .setHeader(CommandHeader.newBuilder().setLeaderTimeMillis(h.replica.wallMillis))
            .setCreateSession(
                CreateSessionOp.newBuilder().setRequestedLeaseMillis(1_000).setClientName("gone"))
            .build());
    long orphan = h.namespace.lastSessionId();
    h.server.onApplied();
    h.step();
    assertEquals(1, h.server.trackedSessions(), "the new session is not timed");

    h.advance(3_000); // past its lease and any lease an earlier leader could have granted
    h.advance(10);
    assertTrue(
        h.replica.proposed.stream()
            .anyMatch(
                c ->
                    c.getOpCase() == NamespaceCommand.OpCase.EXPIRE_SESSION
                        && c.getExpireSession().getSessionId() == orphan),
        "the session was not expired");
    assertEquals(0, h.namespace.sessionCount());
  }
}
