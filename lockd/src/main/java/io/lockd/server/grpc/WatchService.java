package io.lockd.server.grpc;

import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.UnwatchRequest;
import io.lockd.proto.v1.UnwatchResponse;
import io.lockd.proto.v1.WatchGrpc;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.proto.v1.WatchResponse;

/** lockd.v1.Watch over the cell. */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final CellGateway gateway;

  WatchService(CellGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void watch(WatchRequest r, StreamObserver<WatchResponse> out) {
    gateway.run(out, cell -> cell.watch(r, gateway.reply(out)));
  }

  @Override
  public void unwatch(UnwatchRequest r, StreamObserver<UnwatchResponse> out) {
    gateway.run(out, cell -> cell.unwatch(r, gateway.reply(out)));
  }
}
