package io.lockd.server.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.lockd.metrics.ProposalTimer;
import io.lockd.metrics.ReplicaMetrics;
import io.lockd.namespace.Namespace;
import io.lockd.replica.ReplicaLoop;
import io.lockd.replica.ReplicaRuntime;
import io.lockd.server.CellServer;
import io.lockd.server.ServedReplica;
import io.lockd.server.ServerTicks;
import io.lockd.server.WallClock;
import io.lockd.transport.TlsCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lockd process's serving parts, assembled: the replica runtime (store, writer, peer transport,
 * loop) applying the {@link Namespace}, the {@link CellServer} on the loop's thread with its
 * periodic duties ({@link ServerTicks}), and the gRPC server for clients (lockd.v1 services,
 * grpc.health.v1, and server reflection so that tools such as grpcurl can call the services without
 * the .proto files). {@link #close} stops them in reverse order.
 */
public final class LockdServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LockdServer.class);

  private final LockdConfig config;
  private final ReplicaRuntime runtime;
  private final CellServer cell;
  private final HealthReporter health = new HealthReporter();
  private final PeerStatusFetcher peers;
  private final ReplicaMetrics metrics;
  private final Server server;
  private final TlsCredentials tls; // null: plaintext
  private boolean closed;

  private LockdServer(LockdConfig config, List<ServerInterceptor> clientInterceptors)
      throws IOException {
    this.config = config;
    int id = config.selfId();
    Namespace namespace = new Namespace(config.limits());
    ServerLog serverLog = new ServerLog(id);
    tls = config.tls() == null ? null : TlsCredentials.load(config.tls(), config.cell(), id);
    if (tls == null) {
      log.warn(
          "replica {} of cell '{}' runs WITHOUT TLS: its client port and its peer port are"
              + " plaintext and unauthenticated; anyone who can reach them can read and change"
              + " everything (give --tls-cert, --tls-key and --tls-ca; docs/security.md)",
          id,
          config.cell());
    }
    // The runtime announces config.cellSettings() to its peers and refuses peers with others.
    try {
      runtime =
          ReplicaRuntime.start(
              config.runtime(CellOrigin.settle(config)), namespace, serverLog, tls);
    } catch (RuntimeException e) {
      closeTls();
      throw e;
    }
    ProposalTimer[] proposals = new ProposalTimer[1];
    try {
      cell =
          runtime
              .loop()
              .call(
                  r -> {
                    proposals[0] = new ProposalTimer(ServedReplica.of(r));
                    CellServer s =
                        new CellServer(
                            proposals[0],
                            namespace,
                            WallClock.system(),
                            config.server(),
                            serverLog);
                    serverLog.attach(s);
                    return s;
                  },
                  10_000);
    } catch (Exception e) {
      runtime.close();
      closeTls();
      throw new IllegalStateException("replica " + id + ": the server did not start", e);
    }
    GrpcErrors errors = new GrpcErrors(config.clientAddresses());
    CellGateway gateway = new CellGateway(runtime.loop(), cell, errors, id);
    peers = new PeerStatusFetcher(id, config.clientAddresses(), config.statusFetchMillis(), tls);
    StatusView view =
        new StatusView(
            config.clientAddresses(), config.server().unreachableAfterMillis(), tls != null);
    try {
      runtime
          .loop()
          .call(
              r -> {
                runtime
                    .loop()
                    .setDuty(
                        new ServerTicks(
                            cell,
                            config.serverTickMillis(),
                            () -> {
                              health.update(cell.serving());
                              errors.learn(cell.membership());
                            }));
                return null;
              },
              10_000);
    } catch (Exception e) {
      runtime.close();
      closeTls();
      throw new IllegalStateException("replica " + id + ": the server did not start", e);
    }
    ParseGuard guard = new ParseGuard(errors, new RefusalLog(id));
    metrics = new ReplicaMetrics(runtime, cell, proposals[0]);
    try {
      NettyServerBuilder builder =
          tls == null
              ? NettyServerBuilder.forAddress(config.clientListen())
              : NettyServerBuilder.forAddress(config.clientListen(), tls.clientPort())
                  .addTransportFilter(CallerAuthentication.filter());
      ConnectionCallLimit callLimit =
          new ConnectionCallLimit(config.maxCallsPerConnection(), errors, id);
      builder.addTransportFilter(callLimit.filter());
      for (ServerInterceptor i : clientInterceptors) {
        builder.intercept(i);
      }
      builder.intercept(callLimit.interceptor());
      // It counts every call, refusals by the interceptors above included.
      builder.intercept(metrics.grpcInterceptor());
      if (tls != null) {
        // Added last, so outermost: every other interceptor and every service sees the identity.
        builder.intercept(CallerAuthentication.interceptor());
      }
      server =
          builder
              .directExecutor() // handlers only enqueue on the replica's loop
              .addService(
                  guard.guard(
                      new SessionService(
                              gateway,
                              id,
                              config.server().maxCallsPerStream(),
                              new Admission(
                                  id,
                                  config.maxSessionCreationsInFlight(),
                                  config.maxKeepaliveOpeningsInFlight()))
                          .bindService()))
              .addService(guard.guard(new NodeService(gateway).bindService()))
              .addService(guard.guard(new LockService(gateway).bindService()))
              .addService(guard.guard(new WatchService(gateway).bindService()))
              .addService(
                  guard.guard(
                      ServerInterceptors.intercept(
                          new ClusterService(
                              gateway,
                              view,
                              peers,
                              new MemberAddresses(config.peerAddresses(), config.clientAddresses()),
                              config.adminRights(),
                              config.cell(),
                              id,
                              runtime::snapshotSink),
                          ClusterService.scopeInterceptor())))
              .addService(guard.guard(health.manager().getHealthService().bindService()))
              .addService(ProtoReflectionServiceV1.newInstance())
              .addService(reflectionV1Alpha())
              // No HTTP/2 stream limit: over it a call would wait in the client's transport
              // without a word; ConnectionCallLimit refuses it at once instead.
              .maxConcurrentCallsPerConnection(Integer.MAX_VALUE)
              .maxInboundMessageSize(config.maxInboundMessageBytes())
              .permitKeepAliveTime(5, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .build()
              .start();
    } catch (IOException | RuntimeException e) {
      peers.close();
      runtime.close();
      closeTls();
      throw new UncheckedIOException(
          "replica " + id + " cannot listen for clients on " + config.clientListen(),
          e instanceof IOException io ? io : new IOException(e));
    }
    log.info(
        "replica {} of cell '{}' serving clients on port {}{}",
        id,
        config.cell(),
        server.getPort(),
        tls == null
            ? " (plaintext)"
            : " (TLS, client certificates " + tls.files().clientAuth().optionValue() + ")");
    if (config.metricsListen() != null) {
      try {
        int port = metrics.serve(config.metricsListen());
        log.info("replica {}: Prometheus metrics on port {} (/metrics)", id, port);
      } catch (IOException e) {
        close();
        throw new UncheckedIOException(
            "replica " + id + " cannot serve metrics on " + config.metricsListen(), e);
      }
    }
  }

  private void closeTls() {
    if (tls != null) {
      tls.close();
    }
  }

  /** Whether both ports serve TLS. */
  public boolean tls() {
    return tls != null;
  }

  /**
   * The older reflection protocol (grpc.reflection.v1alpha), beside v1: tools such as grpcurl ask
   * for v1 first and fall back to it, and some still speak only v1alpha.
   */
  @SuppressWarnings("deprecation")
  private static BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  /**
   * Throws IllegalArgumentException, saying why, if {@code config} joins a cell ({@code --join}) on
   * a data directory that already holds state.
   */
  public static void refuseJoinOnState(LockdConfig config) {
    CellOrigin.refuseJoinOnState(config);
  }

  /** Starts a replica and its client server; throws if a port or the data directory is unusable. */
  public static LockdServer start(LockdConfig config) throws IOException {
    return new LockdServer(config, List.of());
  }

  /**
   * Starts a replica whose client port runs {@code clientInterceptors} around every call of every
   * service, the last one outermost (as {@link io.grpc.ServerBuilder#intercept} orders them): the
   * seam for what sits at the edge of the port, such as authentication or a test's faults. The peer
   * port is not affected.
   */
  public static LockdServer start(LockdConfig config, List<ServerInterceptor> clientInterceptors)
      throws IOException {
    return new LockdServer(config, List.copyOf(clientInterceptors));
  }

  public int selfId() {
    return config.selfId();
  }

  /** The port clients connect to (the real one if the configuration asked for port 0). */
  public int clientPort() {
    return server.getPort();
  }

  /** This replica's metrics (also served over HTTP if the configuration names an address). */
  public ReplicaMetrics metrics() {
    return metrics;
  }

  public ReplicaLoop loop() {
    return runtime.loop();
  }

  public ReplicaRuntime runtime() {
    return runtime;
  }

  /** Runs {@code task} on the replica's thread and waits for its answer (tests, tools). */
  public <T> T onLoop(Function<CellServer, T> task, long timeoutMillis) throws Exception {
    return runtime.loop().call(r -> task.apply(cell), timeoutMillis);
  }

  /** Completes when the replica's loop has stopped (after close, or after a fatal error). */
  public CompletableFuture<Void> stopped() {
    return runtime.loop().stopped();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.shutdown();
    server.shutdown();
    try {
      if (!server.awaitTermination(500, TimeUnit.MILLISECONDS)) {
        server.shutdownNow(); // ends open KeepAlive streams: clients move to the next leader
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    metrics.close();
    peers.close();
    runtime.close();
    closeTls();
    log.info("replica {}: stopped", config.selfId());
  }
}
