package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.ListMembersRequest;
import io.lockd.proto.v1.ListMembersResponse;
import io.lockd.proto.v1.Member;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.PromoteMemberRequest;
import io.lockd.proto.v1.RemoveMemberRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.FreePorts;
import io.lockd.testing.InJvmCell;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * Membership changes through the admin gRPC methods on a real five-replica cell: only admins may
 * list or change members; bad changes get a status naming the problem; a learner is added and
 * removed, a follower and then the leader are removed, and what was written before is still there
 * (docs/consensus.md, "Membership change").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MembershipGrpcTest {
  private InJvmCell cell;

  @BeforeAll
  void start() throws Exception {
    cell =
        InJvmCell.builder()
            .size(5)
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

  private ClusterGrpc.ClusterBlockingStub admin() throws Exception {
    return cluster(TestIdentities.as(cell.channel(cell.awaitLeader()), "ops-admin"));
  }

  private static ClusterGrpc.ClusterBlockingStub cluster(Channel channel) {
    return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static StatusRuntimeException refused(Status.Code code, Executable call, String... says) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::execute);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    for (String s : says) {
      assertTrue(e.getStatus().getDescription().contains(s), e.getStatus().getDescription());
    }
    return e;
  }

  /** Retries a change refused only because the previous one does not govern yet. */
  private static MemberChangeResponse settled(
      java.util.function.Supplier<MemberChangeResponse> change) throws Exception {
    for (int i = 0; i < 200; i++) {
      try {
        return change.get();
      } catch (StatusRuntimeException e) {
        boolean pending =
            e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                && e.getStatus().getDescription().contains("in progress");
        boolean moving = e.getStatus().getCode() == Status.Code.UNAVAILABLE;
        if (!pending && !moving) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("the previous change never took effect");
  }

  private static List<Integer> voters(ListMembersResponse r) {
    return r.getMembersList().stream().filter(Member::getVoter).map(Member::getId).toList();
  }

  @Test
  void onlyAdminsListAndChangeMembers() throws Exception {
    Channel bob = TestIdentities.as(cell.channel(cell.awaitLeader()), "bob");
    refused(
        Status.Code.PERMISSION_DENIED,
        () -> cluster(bob).listMembers(ListMembersRequest.getDefaultInstance()),
        "list the members");
    refused(
        Status.Code.PERMISSION_DENIED,
        () -> cluster(bob).removeMember(RemoveMemberRequest.newBuilder().setId(2).build()),
        "remove member 2");
    assertEquals(
        List.of(1, 2, 3, 4, 5),
        voters(admin().listMembers(ListMembersRequest.getDefaultInstance())));
  }

  @Test
  void badChangesAreRefusedWithTheReason() throws Exception {
    refused(
        Status.Code.ALREADY_EXISTS,
        () -> admin().addMember(AddMemberRequest.newBuilder().setId(2).build()),
        "replica 2 is already a member");
    refused(
        Status.Code.INVALID_ARGUMENT,
        () ->
            admin()
                .addMember(AddMemberRequest.newBuilder().setId(9).setPeerAddress("nohost").build()),
        "not HOST:PORT");
    refused(
        Status.Code.NOT_FOUND,
        () -> admin().removeMember(RemoveMemberRequest.newBuilder().setId(9).build()),
        "replica 9 is not a member");
    refused(
        Status.Code.NOT_FOUND,
        () -> admin().promoteMember(PromoteMemberRequest.newBuilder().setId(9).build()),
        "replica 9 is not a member");
  }

  @Test
  void learnersFollowersAndTheLeaderComeAndGoWhileTheDataStays() throws Exception {
    LockdServer first = cell.awaitLeader();
    long session =
        SessionGrpc.newBlockingStub(TestIdentities.as(cell.channel(first), "ops-admin"))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setClientName("members").build())
            .getSessionId();
    NodeGrpc.newBlockingStub(TestIdentities.as(cell.channel(first), "ops-admin"))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(1))
                .setPath("/kept")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());

    List<Integer> ports = FreePorts.distinct(2);
    String peer = "127.0.0.1:" + ports.get(0);
    MemberChangeResponse added =
        settled(
            () ->
                adminUnchecked()
                    .addMember(
                        AddMemberRequest.newBuilder()
                            .setId(6)
                            .setPeerAddress(peer)
                            .setClientAddress("127.0.0.1:" + ports.get(1))
                            .build()));
    assertTrue(added.getIndex() > 0);
    Member six = admin().listMembers(ListMembersRequest.getDefaultInstance()).getMembers(5);
    assertEquals(6, six.getId());
    assertFalse(six.getVoter(), "a new member is a learner");
    assertEquals(peer, six.getPeerAddress());
    StatusRuntimeException behind =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                settled(
                    () ->
                        adminUnchecked()
                            .promoteMember(PromoteMemberRequest.newBuilder().setId(6).build())));
    assertEquals(Status.Code.FAILED_PRECONDITION, behind.getStatus().getCode());
    assertTrue(behind.getStatus().getDescription().contains("not caught up"), behind.toString());
    settled(() -> adminUnchecked().removeMember(RemoveMemberRequest.newBuilder().setId(6).build()));

    int follower = cell.follower(first).selfId();
    settled(
        () ->
            adminUnchecked()
                .removeMember(RemoveMemberRequest.newBuilder().setId(follower).build()));
    settled(
        () ->
            adminUnchecked()
                .removeMember(RemoveMemberRequest.newBuilder().setId(first.selfId()).build()));
    LockdServer next = awaitOtherLeader(first);
    assertNotEquals(first.selfId(), next.selfId());
    ListMembersResponse now =
        cluster(TestIdentities.as(cell.channel(next), "ops-admin"))
            .listMembers(ListMembersRequest.getDefaultInstance());
    assertEquals(3, voters(now).size(), now.toString());
    assertFalse(voters(now).contains(first.selfId()));
    assertFalse(voters(now).contains(follower));
    assertTrue(
        NodeGrpc.newBlockingStub(TestIdentities.as(cell.channel(next), "ops-admin"))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getStat(GetStatRequest.newBuilder().setPath("/kept").build())
            .hasStat(),
        "the node written before the changes is still there");
  }

  private ClusterGrpc.ClusterBlockingStub adminUnchecked() {
    try {
      return admin();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The leader once it is another replica than {@code old}, within a bounded wait. */
  private LockdServer awaitOtherLeader(LockdServer old) throws Exception {
    for (int i = 0; i < 400; i++) {
      LockdServer l = cell.awaitLeader();
      if (l.selfId() != old.selfId()) {
        return l;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("replica " + old.selfId() + " still leads after its removal");
  }
}
