package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.ForceCloseSessionRequest;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A real three-replica cell in one JVM, exercised over gRPC as a client would. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CellGrpcTest {
  private InJvmCell cell;
  private LockdServer leader;
  private final AtomicLong sequence = new AtomicLong();

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    NamespaceLimits limits =
        NamespaceLimits.builder()
            .minLeaseMillis(500)
            .leaseDefaultMillis(2_000)
            .maxWaitersPerLock(4)
            .lockDelayDefaultMillis(0)
            .build();
    cell = InJvmCell.builder().size(3).dataRoot(data).graceMillis(1_000).limits(limits).start();
    leader = cell.awaitLeader();
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  private RequestHeader header(long session) {
    return RequestHeader.newBuilder()
        .setSessionId(session)
        .setSequence(sequence.incrementAndGet())
        .build();
  }

  private SessionGrpc.SessionBlockingStub sessions() {
    return SessionGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private NodeGrpc.NodeBlockingStub nodes() {
    return NodeGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LockGrpc.LockBlockingStub locks() {
    return LockGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private long session(long leaseMillis) {
    return sessions()
        .createSession(
            CreateSessionRequest.newBuilder()
                .setRequestedLeaseMillis(leaseMillis)
                .setClientName("cell-test")
                .build())
        .getSessionId();
  }

  @Test
  void keepAlivesHoldASessionAndSilenceEndsIt() throws Exception {
    long s = session(1_000);
    try (KeepAliveClient stream = new KeepAliveClient(cell.channel(leader), s)) {
      for (int i = 1; i <= 5; i++) {
        stream.keepAlive(0);
        KeepAliveResponse r = stream.awaitResponses(i).get(i - 1);
        assertEquals(s, r.getSessionId());
        assertEquals(1_000, r.getLeaseMillis());
        assertTrue(r.getLeaseRemainingMillis() > 0, r.toString());
        Thread.sleep(150);
      }
      // No more KeepAlives: the leader expires the session and says so on the stream.
      Event expired = stream.awaitEvent(e -> e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED);
      assertTrue(expired.getIndex() > 0);
      assertEquals(Status.Code.OK, stream.awaitEnd().getCode());
    }
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                nodes()
                    .create(
                        CreateNodeRequest.newBuilder()
                            .setHeader(header(s))
                            .setPath("/after-expiry")
                            .setKind(NodeKind.NODE_KIND_FILE)
                            .build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("session " + s + " does not exist"));
  }

  @Test
  void waitersGetTheLockInFifoOrderThroughTheirKeepAliveStreams() throws Exception {
    long a = session(10_000);
    long b = session(10_000);
    long c = session(10_000);
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(a))
                .setPath("/fifo")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    try (KeepAliveClient sb = new KeepAliveClient(cell.channel(leader), b);
        KeepAliveClient sc = new KeepAliveClient(cell.channel(leader), c)) {
      sb.keepAlive(0);
      sc.keepAlive(0);
      sb.awaitResponses(1);
      sc.awaitResponses(1);
      assertTrue(acquire(a, 0).hasGranted());
      AcquireResponse qb = acquire(b, 60_000);
      AcquireResponse qc = acquire(c, 60_000);
      assertEquals(0, qb.getQueued().getWaitersAhead());
      assertEquals(1, qc.getQueued().getWaitersAhead());

      locks().release(ReleaseRequest.newBuilder().setHeader(header(a)).setPath("/fifo").build());
      Event grantB = sb.awaitEvent(e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED);
      assertEquals(b, grantB.getSequencer().getSessionId());
      LockInfo info =
          locks().getLockInfo(GetLockInfoRequest.newBuilder().setPath("/fifo").build()).getLock();
      assertEquals(b, info.getHolders(0).getSessionId());
      assertEquals(c, info.getWaiters(0).getSessionId());
      assertFalse(
          sc.events().stream().anyMatch(e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED));

      locks().release(ReleaseRequest.newBuilder().setHeader(header(b)).setPath("/fifo").build());
      Event grantC = sc.awaitEvent(e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED);
      assertEquals(c, grantC.getSequencer().getSessionId());
      assertTrue(
          grantC.getSequencer().getLockGeneration() > grantB.getSequencer().getLockGeneration());
    }
  }

  private AcquireResponse acquire(long session, long waitMillis) {
    return locks()
        .acquire(
            AcquireRequest.newBuilder()
                .setHeader(header(session))
                .setPath("/fifo")
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                .setWaitMillis(waitMillis)
                .build());
  }

  @Test
  void aFollowerRedirectsToTheLeadersClientAddress() throws Exception {
    LockdServer follower = cell.follower(leader);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                NodeGrpc.newBlockingStub(cell.channel(follower))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getStat(GetStatRequest.newBuilder().setPath("/").build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    Metadata trailers = e.getTrailers();
    assertEquals(
        cell.clientAddresses().get(leader.selfId()), trailers.get(GrpcErrors.LEADER_ADDRESS));
    assertEquals(Integer.toString(leader.selfId()), trailers.get(GrpcErrors.LEADER_ID));
    assertTrue(e.getStatus().getDescription().contains("replica " + leader.selfId() + " leads"));
    assertEquals(
        ErrorReason.ERROR_REASON_NOT_LEADER, trailers.get(GrpcErrors.ERROR_DETAIL).getReason());

    // A mutation is refused the same way (nothing proposed), and so is a KeepAlive stream.
    StatusRuntimeException create =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                SessionGrpc.newBlockingStub(cell.channel(follower))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createSession(
                        CreateSessionRequest.newBuilder().setClientName("misdirected").build()));
    assertNotLeader(create.getStatus(), create.getTrailers());
    long s = session(10_000);
    try (KeepAliveClient stream = new KeepAliveClient(cell.channel(follower), s)) {
      stream.keepAlive(0);
      assertNotLeader(stream.awaitEnd(), stream.endTrailers);
    }
  }

  /** UNAVAILABLE with reason NOT_LEADER and both redirect trailers naming the leader. */
  private void assertNotLeader(Status status, Metadata trailers) {
    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
    assertEquals(
        ErrorReason.ERROR_REASON_NOT_LEADER, trailers.get(GrpcErrors.ERROR_DETAIL).getReason());
    assertEquals(Integer.toString(leader.selfId()), trailers.get(GrpcErrors.LEADER_ID));
    assertEquals(
        cell.clientAddresses().get(leader.selfId()), trailers.get(GrpcErrors.LEADER_ADDRESS));
  }

  @Test
  void everyReplicaOffersServerReflection() throws Exception {
    for (LockdServer replica : new LockdServer[] {leader, cell.follower(leader)}) {
      ServerReflectionResponse listed =
          reflect(replica, ServerReflectionRequest.newBuilder().setListServices("*").build());
      List<String> names =
          listed.getListServicesResponse().getServiceList().stream()
              .map(ServiceResponse::getName)
              .toList();
      assertTrue(
          names.containsAll(
              List.of(
                  "lockd.v1.Session",
                  "lockd.v1.Node",
                  "lockd.v1.Lock",
                  "lockd.v1.Watch",
                  "lockd.v1.Cluster",
                  "grpc.health.v1.Health")),
          names.toString());

      // A tool without the .proto files gets the file that defines a service, methods and all.
      ServerReflectionResponse file =
          reflect(
              replica,
              ServerReflectionRequest.newBuilder()
                  .setFileContainingSymbol("lockd.v1.Lock")
                  .build());
      FileDescriptorProto lockd =
          FileDescriptorProto.parseFrom(file.getFileDescriptorResponse().getFileDescriptorProto(0));
      assertEquals("lockd.v1", lockd.getPackage());
      assertTrue(
          lockd.getServiceList().stream()
              .anyMatch(
                  svc ->
                      svc.getName().equals("Lock")
                          && svc.getMethodList().stream()
                              .anyMatch(m -> m.getName().equals("Acquire"))),
          lockd.getServiceList().toString());
    }
  }

  /** One request on a grpc.reflection.v1 stream; its one answer. */
  private ServerReflectionResponse reflect(LockdServer replica, ServerReflectionRequest request)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(cell.channel(replica))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    answer.completeExceptionally(
                        new AssertionError("reflection stream ended unanswered"));
                  }
                });
    requests.onNext(request);
    try {
      ServerReflectionResponse r = answer.get(10, TimeUnit.SECONDS);
      assertFalse(r.hasErrorResponse(), r.toString());
      return r;
    } finally {
      requests.onCompleted();
    }
  }

  @Test
  void anyReplicaReportsTheWholeCell() throws Exception {
    // A follower may learn of chosen slots a little after the leader (thrifty Phase 2 sends new
    // slots to a majority first); the status it reports is what is checked, not how fast it is.
    session(10_000);
    long applied = InJvmCell.appliedIndex(leader);
    for (LockdServer s : cell.servers()) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
      while (InJvmCell.appliedIndex(s) < applied && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }
    assertCellStatus(cell.follower(leader));
    assertCellStatus(leader);
    assertTrue(
        ClusterGrpc.newBlockingStub(cell.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listSessions(ListSessionsRequest.getDefaultInstance())
                .getIndex()
            > 0);
  }

  private void assertCellStatus(LockdServer responder) throws InterruptedException {
    // A replica reports its state checksum once it has taken it at its applied slot: after a
    // moment without writes (docs/server.md, "Snapshots beside the loop").
    StatusResponse status = null;
    for (int i = 0; i < 200; i++) {
      status =
          ClusterGrpc.newBlockingStub(cell.channel(responder))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance());
      if (status.getReplicasList().stream().allMatch(r -> r.getStateChecksum() != 0)) {
        break;
      }
      Thread.sleep(50);
    }
    assertEquals(responder.selfId(), status.getResponderId());
    assertEquals(leader.selfId(), status.getLeaderId());
    assertEquals(3, status.getReplicasCount());
    for (ReplicaStatus r : status.getReplicasList()) {
      assertEquals(cell.clientAddresses().get(r.getId()), r.getAddress());
      assertEquals(
          r.getId() == leader.selfId()
              ? ReplicaRole.REPLICA_ROLE_LEADER
              : ReplicaRole.REPLICA_ROLE_FOLLOWER,
          r.getRole());
      assertTrue(r.getAppliedSlot() > 0, r.toString());
      assertTrue(r.getStateChecksum() != 0, r.toString());
    }
  }

  @Test
  void anAdministratorCanForceCloseASession() throws Exception {
    long s = session(10_000);
    ClusterGrpc.ClusterBlockingStub admin =
        ClusterGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
    try (KeepAliveClient stream = new KeepAliveClient(cell.channel(leader), s)) {
      stream.keepAlive(0);
      stream.awaitResponses(1);
      assertTrue(
          admin
                  .forceCloseSession(ForceCloseSessionRequest.newBuilder().setSessionId(s).build())
                  .getIndex()
              > 0);
      stream.awaitEvent(e -> e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED);
      assertEquals(Status.Code.OK, stream.awaitEnd().getCode());
    }
    assertFalse(
        admin.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
            .anyMatch(i -> i.getSessionId() == s));
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                admin.forceCloseSession(
                    ForceCloseSessionRequest.newBuilder().setSessionId(s).build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void healthIsServingOnlyOnTheLeader() throws Exception {
    LockdServer follower = cell.follower(leader);
    assertEquals(ServingStatus.SERVING, awaitHealth(leader, "", ServingStatus.SERVING));
    assertEquals(ServingStatus.NOT_SERVING, health(follower, ""));
    assertEquals(ServingStatus.NOT_SERVING, health(follower, "lockd.v1.Lock"));
    assertEquals(ServingStatus.SERVING, health(follower, "lockd.v1.Cluster"));
  }

  private ServingStatus health(LockdServer server, String service) {
    return HealthGrpc.newBlockingStub(cell.channel(server))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  private ServingStatus awaitHealth(LockdServer server, String service, ServingStatus want)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
    ServingStatus now = health(server, service);
    while (now != want && System.nanoTime() < deadline) {
      Thread.sleep(20);
      now = health(server, service);
    }
    return now;
  }
}
