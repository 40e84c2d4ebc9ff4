package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.PromoteMemberRequest;
import io.lockd.proto.v1.RemoveMemberRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import io.lockd.transport.PeerStats;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A replica joins a running cell the way an operator adds one ({@code lockd --join} after {@code
 * AddMember}): it catches up and learns the configuration from the cell, is promoted, and its data
 * directory remembers the cell it started in. What must be refused is: a replica the cell never
 * added, {@code --join} on a directory that holds state, and a removed id, for good (its links
 * close and it is never added again). docs/operations.md, "Replace a dead replica".
 */
class JoinTest {
  private static final long WAIT_MILLIS = 60_000;

  @Test
  void aJoiningReplicaCatchesUpIsPromotedAndOutsidersAndRemovedIdsAreRefused() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().size(3).start()) {
      LockdServer leader = cell.awaitLeader();
      write(cell, "/before-join");

      cell.prepareJoin(4);
      change(
          cell,
          () ->
              admin(cell)
                  .addMember(
                      AddMemberRequest.newBuilder()
                          .setId(4)
                          .setPeerAddress(cell.peerAddress(4))
                          .setClientAddress(cell.endpoint(4))
                          .build()));
      LockdServer four = cell.start(4);
      MemberChangeResponse promoted =
          change(
              cell,
              () -> admin(cell).promoteMember(PromoteMemberRequest.newBuilder().setId(4).build()));
      assertTrue(promoted.getIndex() > 0);
      await(
          () -> hasNode(four, "/before-join"),
          "the joined replica has what was written before it joined");

      // Never added: every member refuses its links, naming why.
      cell.prepareJoin(5);
      LockdServer five = cell.start(5);
      await(
          () -> refusedWith(five, leader.selfId(), "is not a member"),
          "replica 5, never added, is refused by the members");
      assertFalse(hasNode(five, "/before-join"), "an outsider learns nothing");
      cell.stop(5);

      // A joined replica restarts without --join; with it, its directory is refused.
      cell.stop(4);
      cell.reconfigure(4, b -> b.join(true));
      IllegalArgumentException again =
          assertThrows(IllegalArgumentException.class, () -> start(cell, 4));
      assertTrue(
          again.getMessage().contains("--join needs an empty data directory"), again.getMessage());
      cell.reconfigure(4, b -> b);
      LockdServer back = cell.start(4);
      write(cell, "/after-restart");
      await(() -> hasNode(back, "/after-restart"), "the restarted replica follows the cell");

      // Removed: its links close, it is refused for good, and its id is never added again.
      change(
          cell, () -> admin(cell).removeMember(RemoveMemberRequest.newBuilder().setId(4).build()));
      LockdServer now = cell.awaitLeader();
      await(
          () -> refusedWith(back, now.selfId(), "was removed from cell"),
          "the members refuse the removed replica 4");
      write(cell, "/after-removal");
      StatusRuntimeException reused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  change(
                      cell,
                      () ->
                          admin(cell)
                              .addMember(
                                  AddMemberRequest.newBuilder()
                                      .setId(4)
                                      .setPeerAddress(cell.peerAddress(4))
                                      .setClientAddress(cell.endpoint(4))
                                      .build())));
      assertEquals(Status.Code.FAILED_PRECONDITION, reused.getStatus().getCode());
      assertTrue(
          reused.getStatus().getDescription().contains("ids are never reused"), reused.toString());
      assertFalse(hasNode(back, "/after-removal"), "a removed replica hears nothing new");
    }
  }

  private static LockdServer start(InJvmCell cell, int id) throws Exception {
    try {
      return cell.start(id);
    } catch (IllegalStateException e) {
      throw e.getCause() instanceof IllegalArgumentException a ? a : e;
    }
  }

  private static ClusterGrpc.ClusterBlockingStub admin(InJvmCell cell) {
    try {
      return ClusterGrpc.newBlockingStub(cell.channel(cell.awaitLeader()))
          .withDeadlineAfter(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A change, retried (bounded) while the previous one takes effect or the leader moves. */
  private static MemberChangeResponse change(InJvmCell cell, Supplier<MemberChangeResponse> call)
      throws Exception {
    StatusRuntimeException last = null;
    for (int i = 0; i < 600; i++) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        String says = String.valueOf(e.getStatus().getDescription());
        boolean waiting =
            e.getStatus().getCode() == Status.Code.UNAVAILABLE
                || says.contains("in progress")
                || says.contains("not caught up");
        if (!waiting) {
          throw e;
        }
        last = e;
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the change never went through", last);
  }

  private static void write(InJvmCell cell, String path) throws Exception {
    LockdServer leader = cell.awaitLeader();
    long session =
        SessionGrpc.newBlockingStub(cell.channel(leader))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setClientName("join").build())
            .getSessionId();
    NodeGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(1))
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
  }

  private static boolean hasNode(LockdServer s, String path) {
    try {
      return s.onLoop(c -> c.readLocal(ns -> ns.getStat(path).hasStat()), 5_000);
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean refusedWith(LockdServer s, int peer, String says) {
    PeerStats stats = s.runtime().transport().stats().get(peer);
    return stats != null && stats.lastFailure().contains(says);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT_MILLIS + " ms: " + what);
      }
      Thread.sleep(50);
    }
  }
}
