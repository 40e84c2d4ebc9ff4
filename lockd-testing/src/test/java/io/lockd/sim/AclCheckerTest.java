package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.lockd.namespace.Namespace;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceError;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.SetAclOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.v1.Acl;
import io.lockd.proto.v1.AclEntry;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import org.junit.jupiter.api.Test;

/**
 * The ACL checker can fail: a replica that applies a command the ACLs forbid, or refuses one they
 * allow, is caught (the result is forged here, as a broken namespace would produce it).
 */
class AclCheckerTest {
  private final Namespace ns = new Namespace();
  private final AclChecker checker = new AclChecker();
  private long slot;

  private NamespaceResult apply(NamespaceCommand c) throws Exception {
    checker.beforeApply(1, ns, c);
    byte[] result = ns.apply(++slot, new Command(slot, c.toByteArray()));
    checker.afterApply(1, c, result);
    return NamespaceResult.parseFrom(result);
  }

  private static NamespaceCommand.Builder as(String identity, long session, long sequence) {
    return NamespaceCommand.newBuilder()
        .setHeader(
            CommandHeader.newBuilder()
                .setIdentity(identity)
                .setSessionId(session)
                .setSequence(sequence)
                .setLeaderTimeMillis(1_000));
  }

  private static NamespaceCommand write(String identity, long session, long sequence) {
    return as(identity, session, sequence)
        .setSetContents(
            SetContentsOp.newBuilder().setPath("/x").setContents(ByteString.copyFromUtf8(identity)))
        .build();
  }

  private long session(String identity) throws Exception {
    return apply(
            as(identity, 0, 0)
                .setCreateSession(CreateSessionOp.newBuilder().setClientName(identity))
                .build())
        .getSessionCreated()
        .getSessionId();
  }

  @Test
  void aCommandAppliedAgainstTheAclOrRefusedWithinItFailsTheRun() throws Exception {
    checker.stateReplaced(1, ns);
    long alice = session("alice");
    long bob = session("bob");
    apply(
        as("alice", alice, 1)
            .setCreateNode(CreateNodeOp.newBuilder().setPath("/x").setKind(NodeKind.NODE_KIND_FILE))
            .build());
    Acl onlyAlice =
        Acl.newBuilder()
            .addEntries(AclEntry.newBuilder().setPrincipal("alice").setWrite(true).setAdmin(true))
            .build();
    apply(
        as("alice", alice, 2)
            .setSetAcl(SetAclOp.newBuilder().setPath("/x").setAcl(onlyAlice))
            .build());

    NamespaceCommand bobWrites = write("bob", bob, 1);
    checker.beforeApply(1, ns, bobWrites);
    byte[] forgedSuccess = NamespaceResult.newBuilder().setIndex(5).build().toByteArray();
    Violation applied =
        assertThrows(Violation.class, () -> checker.afterApply(1, bobWrites, forgedSuccess));
    assertTrue(applied.getMessage().contains("lacks right 'w' on /x"), applied.getMessage());

    NamespaceCommand aliceWrites = write("alice", alice, 3);
    checker.beforeApply(1, ns, aliceWrites);
    byte[] forgedRefusal =
        NamespaceResult.newBuilder()
            .setIndex(5)
            .setError(
                NamespaceError.newBuilder()
                    .setCode(ErrorCode.ERROR_CODE_PERMISSION_DENIED)
                    .setReason(ErrorReason.ERROR_REASON_PERMISSION_DENIED)
                    .setMessage("forged"))
            .build()
            .toByteArray();
    Violation refused =
        assertThrows(Violation.class, () -> checker.afterApply(1, aliceWrites, forgedRefusal));
    assertTrue(refused.getMessage().contains("that the ACLs allowed"), refused.getMessage());

    // And the real namespace agrees with the checker on both.
    apply(bobWrites);
    apply(aliceWrites);
    assertTrue(checker.denied == 1 && checker.allowed >= 3, checker.allowed + "/" + checker.denied);
  }
}
