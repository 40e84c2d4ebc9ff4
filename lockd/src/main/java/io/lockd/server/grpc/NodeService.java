package io.lockd.server.grpc;

import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.DeleteNodeResponse;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;

/** lockd.v1.Node over the cell: each call is one task on the replica's loop. */
final class NodeService extends NodeGrpc.NodeImplBase {
  private final CellGateway gateway;

  NodeService(CellGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void create(CreateNodeRequest r, StreamObserver<CreateNodeResponse> out) {
    gateway.run(out, cell -> cell.createNode(r, gateway.reply(out)));
  }

  @Override
  public void delete(DeleteNodeRequest r, StreamObserver<DeleteNodeResponse> out) {
    gateway.run(out, cell -> cell.deleteNode(r, gateway.reply(out)));
  }

  @Override
  public void getContentsAndStat(
      GetContentsAndStatRequest r, StreamObserver<GetContentsAndStatResponse> out) {
    gateway.run(out, cell -> cell.getContentsAndStat(r, gateway.reply(out)));
  }

  @Override
  public void getStat(GetStatRequest r, StreamObserver<GetStatResponse> out) {
    gateway.run(out, cell -> cell.getStat(r, gateway.reply(out)));
  }

  @Override
  public void listChildren(ListChildrenRequest r, StreamObserver<ListChildrenResponse> out) {
    gateway.run(out, cell -> cell.listChildren(r, gateway.reply(out)));
  }

  @Override
  public void setContents(SetContentsRequest r, StreamObserver<SetContentsResponse> out) {
    gateway.run(out, cell -> cell.setContents(r, gateway.reply(out)));
  }
}
