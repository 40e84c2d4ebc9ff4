package io.lockd.server.grpc;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.server.ServerError;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code --max-calls-per-connection}, enforced by lockd rather than by HTTP/2. Left to HTTP/2 (its
 * MAX_CONCURRENT_STREAMS setting), a call over the limit is not refused: the client's transport
 * holds it until a stream ends, so a client with many long-lived KeepAlive streams on one
 * connection saw its next call wait forever. Here each connection gets a counter of its open calls
 * in its transport attributes when it is ready (so it goes with the connection, and nothing has to
 * forget closed ones), and a call that would pass the limit ends at once with RESOURCE_EXHAUSTED
 * naming the limit and the option.
 */
final class ConnectionCallLimit {
  private static final Attributes.Key<AtomicInteger> OPEN_CALLS =
      Attributes.Key.create("lockd-open-calls");

  private final int limit;
  private final GrpcErrors errors;
  private final int selfId;

  ConnectionCallLimit(int limit, GrpcErrors errors, int selfId) {
    this.limit = limit;
    this.errors = errors;
    this.selfId = selfId;
  }

  /** Gives each connection its counter when its transport is ready. */
  ServerTransportFilter filter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        return attributes.toBuilder().set(OPEN_CALLS, new AtomicInteger()).build();
      }
    };
  }

  /** Counts each call on its connection while it is open; refuses the one over the limit. */
  ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        AtomicInteger open = call.getAttributes().get(OPEN_CALLS);
        if (open == null) {
          return next.startCall(call, headers); // not through this server's transport (tests)
        }
        if (open.incrementAndGet() > limit) {
          open.decrementAndGet();
          var refusal = errors.toStatus(refusal());
          call.close(refusal.getStatus(), refusal.getTrailers());
          return new ServerCall.Listener<>() {};
        }
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable ended =
            () -> {
              if (counted.getAndSet(false)) {
                open.decrementAndGet();
              }
            };
        ServerCall.Listener<Q> inner;
        try {
          inner = next.startCall(call, headers);
        } catch (RuntimeException e) {
          ended.run();
          throw e;
        }
        // gRPC ends every call with exactly one of onComplete or onCancel.
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
          @Override
          public void onComplete() {
            ended.run();
            super.onComplete();
          }

          @Override
          public void onCancel() {
            ended.run();
            super.onCancel();
          }
        };
      }
    };
  }

  private ServerError refusal() {
    return new ServerError(
        ServerError.RESOURCE_EXHAUSTED,
        ErrorReason.ERROR_REASON_LIMIT_REACHED,
        "replica "
            + selfId
            + " refuses the call: this connection already has "
            + limit
            + " calls open, the most --max-calls-per-connection allows; end some, spread them"
            + " over more connections, or raise --max-calls-per-connection",
        ServerError.NO_HINT);
  }
}
