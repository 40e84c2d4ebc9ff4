package io.lockd.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.Namespace;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.*;

/** The gRPC services of a {@link FakeCell} replica: decode, ask the cell, answer. */
final class FakeCellServices {
  private FakeCellServices() {}

  static final class SessionService extends SessionGrpc.SessionImplBase {
    private final FakeCell cell;
    private final int me;

    SessionService(FakeCell cell, int me) {
      this.cell = cell;
      this.me = me;
    }

    @Override
    public void createSession(CreateSessionRequest r, StreamObserver<CreateSessionResponse> out) {
      synchronized (cell.lock) {
        StatusRuntimeException refused = cell.refusal(me);
        if (refused != null) {
          out.onError(refused);
          return;
        }
        NamespaceResult res =
            cell.apply(
                NamespaceCommand.newBuilder()
                    .setCreateSession(
                        CreateSessionOp.newBuilder()
                            .setClientName(r.getClientName())
                            .setRequestedLeaseMillis(r.getRequestedLeaseMillis())),
                0,
                0);
        if (res.hasError()) {
          out.onError(FakeCell.error(res.getError()));
          return;
        }
        out.onNext(
            CreateSessionResponse.newBuilder()
                .setSessionId(res.getSessionCreated().getSessionId())
                .setLeaseMillis(res.getSessionCreated().getLeaseMillis())
                .setIndex(res.getIndex())
                .build());
        out.onCompleted();
      }
    }

    @Override
    public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> out) {
      synchronized (cell.lock) {
        FakeCell.Stream s = cell.new Stream(me, out);
        cell.streams.add(s);
        return s;
      }
    }

    @Override
    public void closeSession(CloseSessionRequest r, StreamObserver<CloseSessionResponse> out) {
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setCloseSession(CloseSessionOp.getDefaultInstance()),
          res -> CloseSessionResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }
  }

  static final class NodeService extends NodeGrpc.NodeImplBase {
    private final FakeCell cell;
    private final int me;

    NodeService(FakeCell cell, int me) {
      this.cell = cell;
      this.me = me;
    }

    @Override
    public void create(CreateNodeRequest r, StreamObserver<CreateNodeResponse> out) {
      CreateNodeOp.Builder op =
          CreateNodeOp.newBuilder()
              .setPath(r.getPath())
              .setKind(r.getKind())
              .setEphemeral(r.getEphemeral())
              .setContents(r.getContents());
      if (r.hasLockDelayMillis()) {
        op.setLockDelayMillis(r.getLockDelayMillis());
      }
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setCreateNode(op),
          res ->
              CreateNodeResponse.newBuilder()
                  .setStat(res.getStat())
                  .setIndex(res.getIndex())
                  .build(),
          out);
    }

    @Override
    public void delete(DeleteNodeRequest r, StreamObserver<DeleteNodeResponse> out) {
      DeleteNodeOp.Builder op = DeleteNodeOp.newBuilder().setPath(r.getPath());
      if (r.hasExpectedInstance()) {
        op.setExpectedInstance(r.getExpectedInstance());
      }
      if (r.hasExpectedContentGeneration()) {
        op.setExpectedContentGeneration(r.getExpectedContentGeneration());
      }
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setDeleteNode(op),
          res -> DeleteNodeResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void setContents(SetContentsRequest r, StreamObserver<SetContentsResponse> out) {
      SetContentsOp.Builder op =
          SetContentsOp.newBuilder().setPath(r.getPath()).setContents(r.getContents());
      if (r.hasExpectedContentGeneration()) {
        op.setExpectedContentGeneration(r.getExpectedContentGeneration());
      }
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setSetContents(op),
          res ->
              SetContentsResponse.newBuilder()
                  .setStat(res.getStat())
                  .setIndex(res.getIndex())
                  .build(),
          out);
    }

    @Override
    public void getContentsAndStat(
        GetContentsAndStatRequest r, StreamObserver<GetContentsAndStatResponse> out) {
      cell.query(me, n -> n.getContentsAndStat(r.getPath()), out);
    }

    @Override
    public void getStat(GetStatRequest r, StreamObserver<GetStatResponse> out) {
      cell.query(me, n -> n.getStat(r.getPath()), out);
    }

    @Override
    public void listChildren(ListChildrenRequest r, StreamObserver<ListChildrenResponse> out) {
      cell.query(me, n -> n.listChildren(r.getPath()), out);
    }
  }

  static final class LockService extends LockGrpc.LockImplBase {
    private final FakeCell cell;
    private final int me;

    LockService(FakeCell cell, int me) {
      this.cell = cell;
      this.me = me;
    }

    @Override
    public void acquire(AcquireRequest r, StreamObserver<AcquireResponse> out) {
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder()
              .setAcquire(
                  AcquireOp.newBuilder()
                      .setPath(r.getPath())
                      .setMode(r.getMode())
                      .setWaitMillis(r.getWaitMillis())),
          res -> {
            AcquireResponse.Builder b = AcquireResponse.newBuilder().setIndex(res.getIndex());
            if (res.getAcquire().hasGranted()) {
              b.setGranted(res.getAcquire().getGranted());
            } else {
              b.setQueued(res.getAcquire().getQueued());
            }
            return b.build();
          },
          out);
    }

    @Override
    public void release(ReleaseRequest r, StreamObserver<ReleaseResponse> out) {
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setRelease(ReleaseOp.newBuilder().setPath(r.getPath())),
          res ->
              ReleaseResponse.newBuilder()
                  .setWasWaiting(res.getRelease().getWasWaiting())
                  .setIndex(res.getIndex())
                  .build(),
          out);
    }

    @Override
    public void getLockInfo(GetLockInfoRequest r, StreamObserver<GetLockInfoResponse> out) {
      cell.query(me, n -> n.getLockInfo(r.getPath()), out);
    }

    @Override
    public void checkSequencer(
        CheckSequencerRequest r, StreamObserver<CheckSequencerResponse> out) {
      cell.query(me, n -> n.checkSequencer(r.getSequencer()), out);
    }
  }

  static final class WatchService extends WatchGrpc.WatchImplBase {
    private final FakeCell cell;
    private final int me;

    WatchService(FakeCell cell, int me) {
      this.cell = cell;
      this.me = me;
    }

    @Override
    public void watch(WatchRequest r, StreamObserver<WatchResponse> out) {
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder()
              .setWatch(WatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
          res -> WatchResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void unwatch(UnwatchRequest r, StreamObserver<UnwatchResponse> out) {
      cell.mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder()
              .setUnwatch(UnwatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
          res -> UnwatchResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }
  }

  static final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final FakeCell cell;
    private final int me;

    ClusterService(FakeCell cell, int me) {
      this.cell = cell;
      this.me = me;
    }

    @Override
    public void status(StatusRequest r, StreamObserver<StatusResponse> out) {
      synchronized (cell.lock) {
        if (cell.down.contains(me)) {
          out.onError(Status.UNAVAILABLE.withDescription("cell.down").asRuntimeException());
          return;
        }
        StatusResponse.Builder b =
            StatusResponse.newBuilder().setLeaderId(cell.leader + 1).setResponderId(me + 1);
        for (int i = 0; i < cell.addresses.size(); i++) {
          b.addReplicas(
              ReplicaStatus.newBuilder()
                  .setId(i + 1)
                  .setAddress(cell.addresses.get(i))
                  .setRole(
                      cell.down.contains(i)
                          ? ReplicaRole.REPLICA_ROLE_UNREACHABLE
                          : i == cell.leader
                              ? ReplicaRole.REPLICA_ROLE_LEADER
                              : ReplicaRole.REPLICA_ROLE_FOLLOWER)
                  .setBallot(((long) 3 << 16) | (cell.leader + 1))
                  .setChosenSlot(cell.slot)
                  .setAppliedSlot(cell.slot)
                  .setLeaseRemainingMillis(i == cell.leader ? 400 : 0));
        }
        out.onNext(b.build());
        out.onCompleted();
      }
    }

    @Override
    public void listSessions(ListSessionsRequest r, StreamObserver<ListSessionsResponse> out) {
      cell.query(me, Namespace::listSessions, out);
    }

    @Override
    public void forceCloseSession(
        ForceCloseSessionRequest r, StreamObserver<ForceCloseSessionResponse> out) {
      synchronized (cell.lock) {
        StatusRuntimeException refused = cell.refusal(me);
        if (refused != null) {
          out.onError(refused);
          return;
        }
        NamespaceResult res =
            cell.apply(
                NamespaceCommand.newBuilder()
                    .setExpireSession(
                        ExpireSessionOp.newBuilder()
                            .setSessionId(r.getSessionId())
                            .setReason(ExpiryReason.EXPIRY_REASON_FORCE_CLOSED)),
                0,
                0);
        if (res.hasError()) {
          out.onError(FakeCell.error(res.getError()));
          return;
        }
        out.onNext(ForceCloseSessionResponse.newBuilder().setIndex(res.getIndex()).build());
        out.onCompleted();
      }
    }
  }
}
