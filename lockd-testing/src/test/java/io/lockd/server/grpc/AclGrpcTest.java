package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.Acl;
import io.lockd.proto.v1.AclEntry;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.ForceCloseSessionRequest;
import io.lockd.proto.v1.GetAclRequest;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.SetAclRequest;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.testing.InJvmCell;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * Identities end to end on a real cell: two users (and an admin) whose identity a test-only
 * interceptor sets from a header, as TLS authentication would from a certificate. ACLs, session
 * ownership and admin rights are enforced over gRPC with PERMISSION_DENIED naming what is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclGrpcTest {
  private InJvmCell cell;
  private final Map<Long, AtomicLong> sequences = new TreeMap<>();

  @BeforeAll
  void start() throws Exception {
    cell =
        InJvmCell.builder()
            .size(3)
            .clientInterceptor(TestIdentities.interceptor())
            .settings(b -> b.admin("ops-admin").allowAnonymousAdmin(false))
            .start();
    cell.awaitLeader();
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  private Channel as(String identity) throws Exception {
    return TestIdentities.as(cell.channel(cell.awaitLeader()), identity);
  }

  private NodeGrpc.NodeBlockingStub nodes(String identity) throws Exception {
    return NodeGrpc.newBlockingStub(as(identity)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private ClusterGrpc.ClusterBlockingStub cluster(Channel channel) {
    return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private long session(String identity) throws Exception {
    long id =
        SessionGrpc.newBlockingStub(as(identity))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setClientName(identity).build())
            .getSessionId();
    sequences.put(id, new AtomicLong());
    return id;
  }

  private RequestHeader header(long session) {
    return RequestHeader.newBuilder()
        .setSessionId(session)
        .setSequence(sequences.get(session).incrementAndGet())
        .build();
  }

  private static Acl acl(String principal, boolean admin) {
    return Acl.newBuilder()
        .addEntries(
            AclEntry.newBuilder()
                .setPrincipal(principal)
                .setRead(true)
                .setWrite(true)
                .setLock(true)
                .setAdmin(admin))
        .build();
  }

  private static StatusRuntimeException denied(Executable call, String... says) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::execute);
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertEquals(
        ErrorReason.ERROR_REASON_PERMISSION_DENIED,
        e.getTrailers().get(GrpcErrors.ERROR_DETAIL).getReason());
    for (String s : says) {
      assertTrue(e.getStatus().getDescription().contains(s), e.getStatus().getDescription());
    }
    return e;
  }

  @Test
  void aNodeOwnedByAliceIsClosedToBobUntilAliceLetsHimIn() throws Exception {
    long alice = session("alice");
    long bob = session("bob");
    nodes("alice")
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(alice))
                .setPath("/alice")
                .setKind(NodeKind.NODE_KIND_DIRECTORY)
                .build());
    long generation =
        nodes("alice")
            .setAcl(
                SetAclRequest.newBuilder()
                    .setHeader(header(alice))
                    .setPath("/alice")
                    .setAcl(acl("alice", true))
                    .setExpectedAclGeneration(0)
                    .build())
            .getStat()
            .getAclGeneration();
    assertEquals(1, generation);

    CreateNodeRequest bobsFile =
        CreateNodeRequest.newBuilder()
            .setPath("/alice/bob")
            .setKind(NodeKind.NODE_KIND_FILE)
            .build();
    denied(
        () -> nodes("bob").create(bobsFile.toBuilder().setHeader(header(bob)).build()),
        "identity \"bob\" lacks the write right on node \"/alice\"");
    denied(
        () -> nodes("bob").getStat(GetStatRequest.newBuilder().setPath("/alice").build()),
        "the read right on node \"/alice\"");
    denied(() -> nodes("bob").getAcl(GetAclRequest.newBuilder().setPath("/alice").build()));
    denied(() -> nodes("").getStat(GetStatRequest.newBuilder().setPath("/alice").build()));

    nodes("alice")
        .setAcl(
            SetAclRequest.newBuilder()
                .setHeader(header(alice))
                .setPath("/alice")
                .setAcl(acl("alice", true).toBuilder().addEntries(acl("bob", false).getEntries(0)))
                .build());
    nodes("bob").create(bobsFile.toBuilder().setHeader(header(bob)).build());
    assertEquals(
        2,
        nodes("bob")
            .getAcl(GetAclRequest.newBuilder().setPath("/alice/bob").build())
            .getAcl()
            .getEntriesCount(),
        "the new file took its parent's ACL");
  }

  @Test
  void aStolenSessionIdIsUseless() throws Exception {
    long alice = session("alice");
    denied(
        () ->
            nodes("mallory")
                .setContents(
                    SetContentsRequest.newBuilder()
                        .setHeader(header(alice))
                        .setPath("/")
                        .setContents(ByteString.EMPTY)
                        .build()),
        "session " + alice + " belongs to identity \"alice\", not to identity \"mallory\"");
  }

  @Test
  void onlyItsCreatorKeepsASessionAliveAndReadsItsEvents() throws Exception {
    long alice = session("alice");
    try (KeepAliveClient stolen = new KeepAliveClient(as("mallory"), alice)) {
      stolen.keepAlive(0);
      Status end = stolen.awaitEnd();
      assertEquals(Status.Code.PERMISSION_DENIED, end.getCode(), end.toString());
      assertTrue(
          end.getDescription().contains("may not keep session " + alice + " alive"),
          end.getDescription());
      assertTrue(stolen.responses().isEmpty(), "no lease, no events for the thief");
    }
    try (KeepAliveClient own = new KeepAliveClient(as("alice"), alice)) {
      own.keepAlive(0);
      assertEquals(alice, own.awaitResponses(1).get(0).getSessionId());
    }
  }

  @Test
  void onlyAdminsListAndForceCloseSessions() throws Exception {
    long bob = session("bob");
    denied(
        () -> cluster(as("bob")).listSessions(ListSessionsRequest.getDefaultInstance()),
        "identity \"bob\"",
        "lacks the admin right to list every session");
    denied(
        () -> cluster(as("")).listSessions(ListSessionsRequest.getDefaultInstance()),
        "the anonymous caller",
        "--allow-anonymous-admin");
    denied(
        () ->
            cluster(as("bob"))
                .forceCloseSession(ForceCloseSessionRequest.newBuilder().setSessionId(bob).build()),
        "lacks the admin right to force-close session " + bob);
    // A follower refuses too, before it would redirect: the check does not depend on who leads.
    int follower = cell.follower(cell.awaitLeader()).selfId();
    denied(
        () ->
            cluster(TestIdentities.as(cell.channel(follower), "bob"))
                .listSessions(ListSessionsRequest.getDefaultInstance()));

    SessionInfo listed =
        cluster(as("ops-admin"))
            .listSessions(ListSessionsRequest.getDefaultInstance())
            .getSessionsList()
            .stream()
            .filter(s -> s.getSessionId() == bob)
            .findFirst()
            .orElseThrow();
    assertEquals("bob", listed.getCreator());
    cluster(as("ops-admin"))
        .forceCloseSession(ForceCloseSessionRequest.newBuilder().setSessionId(bob).build());
  }
}
