package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lockd.proto.v1.DistrustedPeer;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.ReleaseReason;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.StatusResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library's own types carry everything the wire gives that users and lockctl read, and every
 * reason the protocol defines has a library value of the same name (a reason added to lockd.proto
 * without one fails here rather than reaching applications as UNSPECIFIED).
 */
class WireConversionTest {
  @Test
  void everyErrorReasonHasALibraryReason() {
    for (ErrorReason wire : ErrorReason.values()) {
      if (wire == ErrorReason.UNRECOGNIZED) {
        continue;
      }
      LockdException.Reason reason = LockdException.Reason.fromProto(wire);
      assertEquals(wire.name(), "ERROR_REASON_" + reason.name(), "library reason for " + wire);
    }
    assertEquals(
        LockdException.Reason.UNSPECIFIED,
        LockdException.Reason.fromProto(ErrorReason.UNRECOGNIZED));
  }

  @Test
  void everyReleaseReasonHasALibraryReason() {
    for (ReleaseReason wire : ReleaseReason.values()) {
      if (wire == ReleaseReason.UNRECOGNIZED) {
        continue;
      }
      assertEquals(
          wire.name(), "RELEASE_REASON_" + WatchEvent.ReleaseReason.fromProto(wire).name());
    }
  }

  @Test
  void lockDetailsKeepHoldersWaitersAndLockDelay() {
    LockInfo wire =
        LockInfo.newBuilder()
            .setPath("/jobs/a")
            .setInstance(3)
            .setLockGeneration(17)
            .setMode(io.lockd.proto.v1.LockMode.LOCK_MODE_SHARED)
            .addHolders(
                LockHolder.newBuilder()
                    .setSessionId(5)
                    .setClientName("w1")
                    .setMode(io.lockd.proto.v1.LockMode.LOCK_MODE_SHARED)
                    .setLockGeneration(16)
                    .setGrantedMillis(1000))
            .addWaiters(
                LockWaiter.newBuilder()
                    .setSessionId(6)
                    .setClientName("w2")
                    .setMode(io.lockd.proto.v1.LockMode.LOCK_MODE_EXCLUSIVE)
                    .setEnqueuedMillis(2000)
                    .setDeadlineMillis(3000))
            .setLockDelayMillis(4000)
            .setLockDelayUntilMillis(5000)
            .setLockDelayRemainingMillis(600)
            .build();
    LockDetails l = LockDetails.fromProto(wire);
    assertEquals(
        new LockDetails(
            "/jobs/a",
            3,
            17,
            LockMode.SHARED,
            List.of(
                new LockDetails.Holder(5, "w1", LockMode.SHARED, 16, Instant.ofEpochMilli(1000))),
            List.of(
                new LockDetails.Waiter(
                    6,
                    "w2",
                    LockMode.EXCLUSIVE,
                    Instant.ofEpochMilli(2000),
                    Instant.ofEpochMilli(3000))),
            Duration.ofMillis(4000),
            Instant.ofEpochMilli(5000),
            Duration.ofMillis(600)),
        l);
    LockDetails free = LockDetails.fromProto(LockInfo.newBuilder().setPath("/free").build());
    assertNull(free.mode());
    assertEquals(true, free.isFree());
  }

  @Test
  void cellStatusKeepsEveryReplicaField() {
    StatusResponse wire =
        StatusResponse.newBuilder()
            .setLeaderId(2)
            .setResponderId(1)
            .addReplicas(
                ReplicaStatus.newBuilder()
                    .setId(2)
                    .setAddress("127.0.0.1:7102")
                    .setRole(ReplicaRole.REPLICA_ROLE_LEADER)
                    .setBallot((4L << 16) | 2)
                    .setChosenSlot(90)
                    .setAppliedSlot(89)
                    .setLagSlots(1)
                    .setLeaseRemainingMillis(700)
                    .setLastContactMillis(8)
                    .setStateChecksum(0xabcL)
                    .setDivergence("slot 3")
                    .addDistrusts(
                        DistrustedPeer.newBuilder().setId(5).setReason("proposed another value"))
                    .setTls(true))
            .build();
    CellStatus s = CellStatus.fromProto(wire);
    assertEquals(
        new CellStatus(
            List.of(
                new ReplicaState(
                    2,
                    "127.0.0.1:7102",
                    ReplicaState.Role.LEADER,
                    (4L << 16) | 2,
                    90,
                    89,
                    1,
                    Duration.ofMillis(700),
                    Duration.ofMillis(8),
                    0xabcL,
                    "slot 3",
                    List.of(new ReplicaState.Distrust(5, "proposed another value")),
                    true)),
            2,
            1),
        s);
    assertEquals(2, s.leader().orElseThrow().id());
    assertEquals(
        true, CellStatus.fromProto(StatusResponse.getDefaultInstance()).leader().isEmpty());
  }

  @Test
  void sessionSummaryKeepsEveryField() {
    SessionInfo wire =
        SessionInfo.newBuilder()
            .setSessionId(9)
            .setClientName("c")
            .setLeaseMillis(12_000)
            .setCreatedMillis(100)
            .setLoggedDeadlineMillis(200)
            .setLastSequence(7)
            .setEphemeralNodes(2)
            .addHeldLocks("/a")
            .addWaitingLocks("/b")
            .setWatches(3)
            .setBufferedEvents(4)
            .setCaching(true)
            .setHeldLockCount(1)
            .setWaitingLockCount(1)
            .setCreator("CN=alice")
            .build();
    assertEquals(
        new SessionSummary(
            9,
            "c",
            Duration.ofSeconds(12),
            Instant.ofEpochMilli(100),
            Instant.ofEpochMilli(200),
            7,
            2,
            List.of("/a"),
            List.of("/b"),
            3,
            4,
            true,
            1,
            1,
            "CN=alice"),
        SessionSummary.fromProto(wire));
    assertNotEquals(
        SessionSummary.fromProto(wire),
        SessionSummary.fromProto(wire.toBuilder().setCaching(false).build()));
  }
}
