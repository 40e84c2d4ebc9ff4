package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.namespace.Namespace;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.ExtendAllSessionsOp;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lock-delay checker can fail, and fails only for a lock-delay that runs: here the node itself
 * has none, so the namespace grants at once what the checker, told of a 1 s delay, must catch.
 */
class LockCheckersTest {
  private static final String LOCK = "/l";

  private final Namespace ns = new Namespace();
  private final LockCheckers checkers = new LockCheckers(List.of(LOCK), 1_000);
  private long slot;

  private NamespaceResult apply(NamespaceCommand c) throws Exception {
    Command command = new Command(++slot, c.toByteArray());
    checkers.beforeApply(1, ns, command);
    byte[] result = ns.apply(slot, command);
    checkers.afterApply(1, ns, command, result);
    return NamespaceResult.parseFrom(result);
  }

  private static NamespaceCommand.Builder at(long leaderTime, long session, long sequence) {
    return NamespaceCommand.newBuilder()
        .setHeader(
            CommandHeader.newBuilder()
                .setIdentity("app")
                .setSessionId(session)
                .setSequence(sequence)
                .setLeaderTimeMillis(leaderTime));
  }

  private long session(long leaderTime) throws Exception {
    return apply(
            at(leaderTime, 0, 0)
                .setCreateSession(CreateSessionOp.newBuilder().setClientName("app"))
                .build())
        .getSessionCreated()
        .getSessionId();
  }

  private NamespaceResult acquire(long leaderTime, long session, long sequence) throws Exception {
    return apply(
        at(leaderTime, session, sequence)
            .setAcquire(AcquireOp.newBuilder().setPath(LOCK).setMode(LockMode.LOCK_MODE_EXCLUSIVE))
            .build());
  }

  private NamespaceResult expire(long leaderTime, long session) throws Exception {
    return apply(
        at(leaderTime, 0, 0)
            .setExpireSession(
                ExpireSessionOp.newBuilder()
                    .setSessionId(session)
                    .setReason(ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED))
            .build());
  }

  /** The holder: a session that created the lock's node (no lock-delay of its own) and holds it. */
  private long holder() throws Exception {
    long a = session(1_000);
    apply(
        at(1_000, a, 1)
            .setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath(LOCK)
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .setLockDelayMillis(0))
            .build());
    assertTrue(acquire(1_000, a, 2).getAcquire().hasGranted());
    return a;
  }

  @Test
  void aGrantWithinTheLockDelayOfAnExpiredHolderFailsTheRun() throws Exception {
    checkers.stateReplaced(1, ns);
    long a = holder();
    assertFalse(expire(600_000, a).hasError(), "the expiry took effect");
    long b = session(600_100);
    Violation v = assertThrows(Violation.class, () -> acquire(600_200, b, 1));
    assertTrue(v.getMessage().startsWith("lock-delay: "), v.getMessage());
  }

  /**
   * An expiry the namespace refuses (a new leader's grace extended the session after the old leader
   * proposed it) starts no lock-delay: the holder keeps its lock and may release it, and the next
   * grant is no violation (lock-service seed 13628 was such a run).
   */
  @Test
  void aRefusedExpiryStartsNoLockDelay() throws Exception {
    checkers.stateReplaced(1, ns);
    long a = holder();
    apply(
        at(600_000, 0, 0)
            .setExtendAllSessions(ExtendAllSessionsOp.newBuilder().setGraceMillis(5_000))
            .build());
    assertTrue(expire(600_001, a).hasError(), "the expiry was refused");
    apply(at(600_050, a, 3).setRelease(ReleaseOp.newBuilder().setPath(LOCK)).build());
    long b = session(600_100);
    assertTrue(acquire(600_200, b, 1).getAcquire().hasGranted());
  }
}
