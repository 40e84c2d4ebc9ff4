package io.lockd.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.NamespaceImage;
import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.SnapshotSink;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.ForceCloseSessionRequest;
import io.lockd.proto.v1.ForceCloseSessionResponse;
import io.lockd.proto.v1.ListMembersRequest;
import io.lockd.proto.v1.ListMembersResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.Member;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.PromoteMemberRequest;
import io.lockd.proto.v1.RemoveMemberRequest;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.SaveSnapshotRequest;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.server.LocalStatus;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * lockd.v1.Cluster. Status is answered by any replica, leader or not: its own entry exactly, each
 * peer's entry as that peer reports it over its client port (short deadline), falling back to what
 * consensus tells this replica. ListSessions, ForceCloseSession and SaveSnapshot are leader
 * operations (followers redirect) and need the admin right ({@link AdminRights}), checked first, by
 * whichever replica takes the call.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private static final Context.Key<Boolean> SELF_ONLY = Context.key("lockd-status-self-only");

  private final CellGateway gateway;
  private final StatusView view;
  private final PeerStatusFetcher peers;
  private final MemberAddresses addresses;
  private final AdminRights admins;
  private final String cellName;
  private final int selfId;
  private final Supplier<SnapshotSink> backupSinks;

  ClusterService(
      CellGateway gateway,
      StatusView view,
      PeerStatusFetcher peers,
      MemberAddresses addresses,
      AdminRights admins,
      String cellName,
      int selfId,
      Supplier<SnapshotSink> backupSinks) {
    this.backupSinks = backupSinks;
    this.addresses = addresses;
    this.admins = admins;
    this.cellName = cellName;
    this.selfId = selfId;
    this.gateway = gateway;
    this.view = view;
    this.peers = peers;
  }

  /** Notes the {@code lockd-status-scope: self} header for {@link #status}. */
  static ServerInterceptor scopeInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        boolean self = PeerStatusFetcher.SCOPE_SELF.equals(headers.get(PeerStatusFetcher.SCOPE));
        return Contexts.interceptCall(
            Context.current().withValue(SELF_ONLY, self), call, headers, next);
      }
    };
  }

  @Override
  public void status(StatusRequest r, StreamObserver<StatusResponse> out) {
    boolean selfOnly = Boolean.TRUE.equals(SELF_ONLY.get());
    gateway.run(
        out,
        cell -> {
          LocalStatus local = cell.localStatus();
          if (selfOnly) {
            gateway.reply(out).ok(view.self(local));
            return;
          }
          if (r.getMembersOnly()) {
            gateway
                .reply(out)
                .ok(
                    view.self(local).toBuilder()
                        .addAllMembers(addresses.members(cell.membership()))
                        .build());
            return;
          }
          // The members of the newest configuration this replica knows, not those it started
          // with: a member added later is shown (and asked), a removed one is not.
          Membership members = cell.membership();
          Map<Integer, String> clients = addresses.clients(members);
          CompletableFuture<Map<Integer, ReplicaStatus>> fetched = peers.fetchAll(clients);
          TreeMap<Integer, ReplicaStatus.Builder> mine = view.local(local, clients);
          List<Member> listed = addresses.members(members);
          fetched.thenAccept(
              answers -> gateway.reply(out).ok(view.merge(local, mine, answers, listed)));
        });
  }

  @Override
  public void listSessions(ListSessionsRequest r, StreamObserver<ListSessionsResponse> out) {
    String caller = CallerIdentity.current();
    if (refused(out, caller, "list every session (Cluster.ListSessions)")) {
      return;
    }
    gateway.run(out, cell -> cell.listSessions(caller, r, gateway.reply(out)));
  }

  @Override
  public void saveSnapshot(SaveSnapshotRequest r, StreamObserver<SaveSnapshotResponse> out) {
    // A backup holds every node whatever its ACL, and every session: an administrator's tool.
    if (refused(
        out, CallerIdentity.current(), "save a snapshot of the cell (Cluster.SaveSnapshot)")) {
      return;
    }
    SnapshotSender sender =
        new SnapshotSender((ServerCallStreamObserver<SaveSnapshotResponse>) out, cellName, selfId);
    Reply<SaveSnapshotResponse> failure = gateway.reply(out);
    gateway.run(
        out,
        cell ->
            cell.saveSnapshot(
                new Reply<NamespaceImage.Capture>() {
                  @Override
                  public void ok(NamespaceImage.Capture capture) {
                    // Encoding a large state takes seconds: never on the replica's loop, which
                    // only copied it. A backup is rare; the common pool is enough.
                    CompletableFuture.supplyAsync(() -> capture.encode(backupSinks.get()))
                        .whenComplete(
                            (image, failed) -> {
                              if (failed == null) {
                                sender.send(image);
                              } else {
                                failure.error(
                                    ServerError.internal(
                                        "the snapshot could not be encoded: " + failed));
                              }
                            });
                  }

                  @Override
                  public void error(ServerError error) {
                    failure.error(error);
                  }
                }));
  }

  @Override
  public void forceCloseSession(
      ForceCloseSessionRequest r, StreamObserver<ForceCloseSessionResponse> out) {
    if (refused(
        out,
        CallerIdentity.current(),
        "force-close session " + r.getSessionId() + " (Cluster.ForceCloseSession)")) {
      return;
    }
    gateway.run(out, cell -> cell.forceCloseSession(r, gateway.reply(out)));
  }

  @Override
  public void listMembers(ListMembersRequest r, StreamObserver<ListMembersResponse> out) {
    if (refused(out, CallerIdentity.current(), "list the members (Cluster.ListMembers)")) {
      return;
    }
    gateway.run(out, cell -> cell.listMembers(gateway.reply(withAddresses(out))));
  }

  @Override
  public void addMember(AddMemberRequest r, StreamObserver<MemberChangeResponse> out) {
    change(
        out,
        new MembershipChange.Add(r.getId(), r.getPeerAddress(), r.getClientAddress()),
        "add member " + r.getId() + " (Cluster.AddMember)");
  }

  @Override
  public void promoteMember(PromoteMemberRequest r, StreamObserver<MemberChangeResponse> out) {
    change(
        out,
        new MembershipChange.Promote(r.getId()),
        "promote member " + r.getId() + " (Cluster.PromoteMember)");
  }

  @Override
  public void removeMember(RemoveMemberRequest r, StreamObserver<MemberChangeResponse> out) {
    change(
        out,
        new MembershipChange.Remove(r.getId()),
        "remove member " + r.getId() + " (Cluster.RemoveMember)");
  }

  private void change(
      StreamObserver<MemberChangeResponse> out, MembershipChange change, String what) {
    if (refused(out, CallerIdentity.current(), what)) {
      return;
    }
    gateway.run(
        out,
        cell ->
            cell.changeMembership(
                change,
                gateway.reply(
                    forward(
                        out,
                        a ->
                            a.toBuilder()
                                .clearMembers()
                                .addAllMembers(addresses.fill(a.getMembersList()))
                                .build()))));
  }

  private StreamObserver<ListMembersResponse> withAddresses(
      StreamObserver<ListMembersResponse> out) {
    return forward(
        out,
        a ->
            a.toBuilder().clearMembers().addAllMembers(addresses.fill(a.getMembersList())).build());
  }

  /** {@code out}, with every answer passed through {@code fix} (the addresses filled in). */
  private static <A> StreamObserver<A> forward(
      StreamObserver<A> out, java.util.function.UnaryOperator<A> fix) {
    return new StreamObserver<>() {
      @Override
      public void onNext(A value) {
        out.onNext(fix.apply(value));
      }

      @Override
      public void onError(Throwable t) {
        out.onError(t);
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  /** Answers PERMISSION_DENIED, on this thread, unless {@code caller} is an admin. */
  private boolean refused(StreamObserver<?> out, String caller, String what) {
    ServerError refusal = admins.refusal(caller, what);
    if (refusal == null) {
      return false;
    }
    out.onError(gateway.errors().toStatus(refusal));
    return true;
  }
}
