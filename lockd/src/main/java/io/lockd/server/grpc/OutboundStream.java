package io.lockd.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending side of a server stream that several threads push to (the replica's loop, gRPC's
 * onReady callbacks, a cancellation): every send and the one ending are serialized by this object's
 * monitor, a send or an end after the call ended is dropped, and a push that finds the transport
 * full is remembered, so that the next onReady pushes again. Both KeepAlive streams (one session's
 * and many sessions' on one call) send through one.
 */
final class OutboundStream<T> {
  private final ServerCallStreamObserver<T> call;
  private volatile boolean closed;
  private volatile boolean waiting;

  OutboundStream(ServerCallStreamObserver<T> call) {
    this.call = call;
  }

  ServerCallStreamObserver<T> call() {
    return call;
  }

  /** Whether the transport takes more now; if not, the next onReady is a reason to push. */
  boolean ready() {
    if (closed) {
      return false;
    }
    waiting = true; // first, so that an onReady racing this check still pushes
    boolean ready = call.isReady();
    if (ready) {
      waiting = false;
    }
    return ready;
  }

  /** True once after a push found the transport full: the next onReady should push again. */
  boolean takeWaiting() {
    boolean was = waiting;
    waiting = false;
    return was;
  }

  boolean closed() {
    return closed;
  }

  /** The call ended from the other side (cancelled): nothing more is sent. */
  void markClosed() {
    closed = true;
  }

  synchronized void send(T message) {
    if (closed) {
      return;
    }
    try {
      call.onNext(message);
    } catch (RuntimeException e) {
      closed = true; // the call ended under us
    }
  }

  /** Ends the call: completed if {@code status} is null, failed with it otherwise. Once. */
  synchronized void end(Throwable status) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (status == null) {
        call.onCompleted();
      } else {
        call.onError(status);
      }
    } catch (RuntimeException e) {
      // the call had already ended
    }
  }
}
