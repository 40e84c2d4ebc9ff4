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
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.watch(caller, r, gateway.reply(out)));
  }

  @Override
  public void unwatch(UnwatchRequest r, StreamObserver<UnwatchResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.unwatch(caller, r, gateway.reply(out)));
  }
}
