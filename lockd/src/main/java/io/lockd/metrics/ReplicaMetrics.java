package io.lockd.metrics;

import io.grpc.ServerInterceptor;
import io.lockd.replica.ProposalFailure;
import io.lockd.replica.ReplicaRuntime;
import io.lockd.server.CellServer;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * One replica's metrics and the HTTP endpoint Prometheus scrapes ({@code GET /metrics}). Each
 * replica has its own registry, so that several replicas in one JVM (tests, the in-JVM cell) never
 * mix their figures.
 *
 * <p>Names follow Prometheus' conventions: {@code lockd_} first, base units ({@code _seconds},
 * {@code _bytes}), {@code _total} on counters. docs/operations.md lists them and what to alert on.
 */
public final class ReplicaMetrics implements AutoCloseable {
  /** Upper bounds of the fsync latency buckets, in seconds: 50 µs to 1 s. */
  private static final double[] SYNC_BUCKETS = {
    0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1
  };

  /** Upper bounds of the commit latency buckets, in seconds: 250 µs to 10 s. */
  private static final double[] COMMIT_BUCKETS = {
    0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10
  };

  /** Upper bounds of the snapshot duration buckets, in seconds: 1 ms to 2 min. */
  private static final double[] SNAPSHOT_BUCKETS = {
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final GrpcMetrics grpc = new GrpcMetrics(registry);
  private HTTPServer http;

  /**
   * Registers the replica's metrics and the JVM's; {@code cell} is read on the replica's thread,
   * and {@code proposals} is the served replica {@code cell} proposes through.
   */
  public ReplicaMetrics(ReplicaRuntime runtime, CellServer cell, ProposalTimer proposals) {
    registry.register(new ReplicaCollector(runtime, cell));
    Histogram syncs =
        Histogram.builder()
            .name("lockd_log_sync_duration_seconds")
            .help("Time of one fdatasync of the acceptor log (one per group commit).")
            .classicOnly()
            .classicUpperBounds(SYNC_BUCKETS)
            .register(registry);
    runtime.observeSyncs(nanos -> syncs.observe(nanos / 1e9));
    observeProposals(proposals);
    Histogram snapshots =
        Histogram.builder()
            .name("lockd_snapshot_duration_seconds")
            .help(
                "Time to take a snapshot of the namespace (kind=take: copied on the replica's"
                    + " thread in steps, encoded beside it) or to install one (kind=install, on the"
                    + " replica's thread: nothing else is served meanwhile).")
            .labelNames("kind")
            .classicOnly()
            .classicUpperBounds(SNAPSHOT_BUCKETS)
            .register(registry);
    runtime.observeSnapshots(
        nanos -> snapshots.labelValues("take").observe(nanos / 1e9),
        nanos -> snapshots.labelValues("install").observe(nanos / 1e9));
    JvmMetrics.builder().register(registry);
  }

  private void observeProposals(ProposalTimer proposals) {
    Histogram commits =
        Histogram.builder()
            .name("lockd_commit_duration_seconds")
            .help(
                "On the leader: from a command's proposal to its result (slot chosen by a majority's"
                    + " syncs, then applied).")
            .classicOnly()
            .classicUpperBounds(COMMIT_BUCKETS)
            .register(registry);
    Counter outcomes =
        Counter.builder()
            .name("lockd_proposals_total")
            .help(
                "Commands proposed by this replica, by outcome: applied, or not (not_leader,"
                    + " overloaded, timed_out).")
            .labelNames("outcome")
            .register(registry);
    CounterDataPoint applied = outcomes.labelValues("applied");
    proposals.observe(
        new ProposalTimer.Observer() {
          @Override
          public void applied(long nanos) {
            commits.observe(nanos / 1e9);
            applied.inc();
          }

          @Override
          public void failed(ProposalFailure failure) {
            outcomes.labelValues(failure.name().toLowerCase(Locale.ROOT)).inc();
          }
        });
  }

  /** The interceptor that counts and times the client port's calls. */
  public ServerInterceptor grpcInterceptor() {
    return grpc;
  }

  /** Serves {@code GET /metrics} on {@code address}; returns the port (the real one for port 0). */
  public synchronized int serve(InetSocketAddress address) throws IOException {
    http =
        HTTPServer.builder()
            .inetAddress(address.getAddress())
            .port(address.getPort())
            .registry(registry)
            .buildAndStart();
    return http.getPort();
  }

  /** The port {@code GET /metrics} is served on; -1 if none. */
  public synchronized int port() {
    return http == null ? -1 : http.getPort();
  }

  /** The registry, for tests and for scraping without HTTP. */
  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public synchronized void close() {
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
