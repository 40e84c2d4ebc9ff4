package io.lockd.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Counts every call on the client port by method and status code, and times the calls that are not
 * streams (a KeepAlive or event stream lives as long as its session: its duration says nothing
 * about the service's speed).
 */
final class GrpcMetrics implements ServerInterceptor {
  /** Upper bounds of the latency buckets, in seconds: 250 µs to 10 s. */
  private static final double[] LATENCY_BUCKETS = {
    0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final Counter calls;
  private final Histogram latency;

  GrpcMetrics(PrometheusRegistry registry) {
    calls =
        Counter.builder()
            .name("lockd_grpc_requests_total")
            .help("Calls on the client port that ended, by method and gRPC status code.")
            .labelNames("method", "code")
            .register(registry);
    latency =
        Histogram.builder()
            .name("lockd_grpc_request_duration_seconds")
            .help("Time from a unary call's start to its answer, by method.")
            .labelNames("method")
            .classicOnly()
            .classicUpperBounds(LATENCY_BUCKETS)
            .register(registry);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    boolean unary =
        call.getMethodDescriptor().getType().clientSendsOneMessage()
            && call.getMethodDescriptor().getType().serverSendsOneMessage();
    long startNanos = System.nanoTime();
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            calls.labelValues(method, status.getCode().name()).inc();
            if (unary) {
              latency.labelValues(method).observe((System.nanoTime() - startNanos) / 1e9);
            }
            super.close(status, trailers);
          }
        },
        headers);
  }
}
