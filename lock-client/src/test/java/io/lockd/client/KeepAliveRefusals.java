package io.lockd.client;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.lockd.testing.InJvmCell;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A replica's client port that refuses the first KeepAlive streams (a session's own, or the
 * KeepAlives stream that carries several), as an overloaded one does.
 */
final class KeepAliveRefusals implements ServerInterceptor {
  private final int times;
  private final Status status;
  private final Supplier<Metadata> trailers;
  private final java.util.Set<String> methods;
  private final AtomicInteger streams = new AtomicInteger();

  /** Ends the first {@code times} KeepAlive streams with {@code status} and fresh trailers. */
  KeepAliveRefusals(int times, Status status, Supplier<Metadata> trailers) {
    this(times, status, trailers, java.util.Set.of("KeepAlive", "KeepAlives"));
  }

  private KeepAliveRefusals(
      int times, Status status, Supplier<Metadata> trailers, java.util.Set<String> methods) {
    this.times = times;
    this.status = status;
    this.trailers = trailers;
    this.methods = methods;
  }

  /** A port without Session/KeepAlives, as an older server's: every one ends UNIMPLEMENTED. */
  static KeepAliveRefusals withoutBatches() {
    return new KeepAliveRefusals(
        Integer.MAX_VALUE,
        Status.UNIMPLEMENTED.withDescription("Method not found: lockd.v1.Session/KeepAlives"),
        Metadata::new,
        java.util.Set.of("KeepAlives"));
  }

  /** KeepAlive streams the port has seen, refused or not. */
  int streams() {
    return streams.get();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (methods.contains(call.getMethodDescriptor().getBareMethodName())
        && streams.getAndIncrement() < times) {
      call.close(status, trailers.get());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** Waits (bounded) until the leader serves exactly one KeepAlive stream. */
  static void awaitOneOpenStream(InJvmCell cell, String what) {
    Eventually.await(
        what,
        () -> {
          try {
            return cell.awaitLeader().onLoop(server -> server.openStreams(), 10_000) == 1;
          } catch (Exception e) {
            return false;
          }
        });
  }
}
