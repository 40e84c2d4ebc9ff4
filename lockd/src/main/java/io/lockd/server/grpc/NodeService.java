package io.lockd.server.grpc;

import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.DeleteNodeResponse;
import io.lockd.proto.v1.GetAclRequest;
import io.lockd.proto.v1.GetAclResponse;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.SetAclRequest;
import io.lockd.proto.v1.SetAclResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;

/**
 * lockd.v1.Node over the cell: each call is one task on the replica's loop, carrying the caller's
 * identity read here, on the call's thread (the loop's thread has no call context).
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  private final CellGateway gateway;

  NodeService(CellGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void create(CreateNodeRequest r, StreamObserver<CreateNodeResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.createNode(caller, r, gateway.reply(out)));
  }

  @Override
  public void delete(DeleteNodeRequest r, StreamObserver<DeleteNodeResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.deleteNode(caller, r, gateway.reply(out)));
  }

  @Override
  public void getContentsAndStat(
      GetContentsAndStatRequest r, StreamObserver<GetContentsAndStatResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.getContentsAndStat(caller, r, gateway.reply(out)));
  }

  @Override
  public void getStat(GetStatRequest r, StreamObserver<GetStatResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.getStat(caller, r, gateway.reply(out)));
  }

  @Override
  public void listChildren(ListChildrenRequest r, StreamObserver<ListChildrenResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.listChildren(caller, r, gateway.reply(out)));
  }

  @Override
  public void setContents(SetContentsRequest r, StreamObserver<SetContentsResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.setContents(caller, r, gateway.reply(out)));
  }

  @Override
  public void getAcl(GetAclRequest r, StreamObserver<GetAclResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.getAcl(caller, r, gateway.reply(out)));
  }

  @Override
  public void setAcl(SetAclRequest r, StreamObserver<SetAclResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.setAcl(caller, r, gateway.reply(out)));
  }
}
