package io.lockd.server.grpc;

import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CheckSequencerRequest;
import io.lockd.proto.v1.CheckSequencerResponse;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReleaseResponse;

/** lockd.v1.Lock over the cell. */
final class LockService extends LockGrpc.LockImplBase {
  private final CellGateway gateway;

  LockService(CellGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void acquire(AcquireRequest r, StreamObserver<AcquireResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.acquire(caller, r, gateway.reply(out)));
  }

  @Override
  public void release(ReleaseRequest r, StreamObserver<ReleaseResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.release(caller, r, gateway.reply(out)));
  }

  @Override
  public void getLockInfo(GetLockInfoRequest r, StreamObserver<GetLockInfoResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.getLockInfo(caller, r, gateway.reply(out)));
  }

  @Override
  public void checkSequencer(CheckSequencerRequest r, StreamObserver<CheckSequencerResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.checkSequencer(caller, r, gateway.reply(out)));
  }
}
