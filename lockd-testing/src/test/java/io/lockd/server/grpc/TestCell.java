package io.lockd.server.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.server.ServerConfig;
import io.lockd.testing.FreePorts;
import io.lockd.testing.Leaders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A real cell in one JVM: {@code size} {@link LockdServer}s (MapDB, gRPC peer transport, gRPC
 * client port) on 127.0.0.1, ports chosen at run time. Every wait is bounded; {@link #close} stops
 * everything it started.
 */
final class TestCell implements AutoCloseable {
  static final long WAIT_MILLIS = 30_000;

  static final String CELL = "test";

  final List<LockdServer> servers = new ArrayList<>();
  final Map<Integer, String> clientAddresses = new TreeMap<>();
  final Map<Integer, String> peers = new TreeMap<>();
  private final Map<Integer, LockdConfig> configs = new TreeMap<>();
  private final Map<Integer, ManagedChannel> channels = new TreeMap<>();

  TestCell(int size, Path root, ServerConfig server, NamespaceLimits limits) throws IOException {
    List<Integer> ids = new ArrayList<>();
    List<Integer> ports = FreePorts.distinct(2 * size);
    for (int id = 1; id <= size; id++) {
      ids.add(id);
      peers.put(id, "127.0.0.1:" + ports.get(2 * id - 2));
      clientAddresses.put(id, "127.0.0.1:" + ports.get(2 * id - 1));
    }
    try {
      for (int id : ids) {
        LockdConfigBuilder config =
            LockdConfig.builder()
                .cell(CELL)
                .selfId(id)
                .dataDir(root.resolve("r" + id))
                .namespaceLimits(limits)
                .graceMillis(server.graceMillis());
        ids.forEach(m -> config.member(m, peers.get(m), clientAddresses.get(m)));
        configs.put(id, config.build());
        servers.add(LockdServer.start(configs.get(id)));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Waits (bounded) until a replica serves clients; returns it. */
  LockdServer awaitLeader() throws Exception {
    return Leaders.await(servers, WAIT_MILLIS);
  }

  LockdServer server(int id) {
    return servers.get(id - 1);
  }

  /** Stops replica {@code id} (a clean stop: its connections close) and starts it again. */
  LockdServer restart(int id) throws IOException, InterruptedException {
    servers.get(id - 1).close();
    LockdServer again = null;
    for (int attempt = 1; again == null; attempt++) {
      try {
        again = LockdServer.start(configs.get(id));
      } catch (java.io.UncheckedIOException e) {
        if (attempt == 20) {
          throw e; // its ports stayed taken for five seconds
        }
        Thread.sleep(250);
      }
    }
    servers.set(id - 1, again);
    synchronized (this) {
      ManagedChannel old = channels.remove(id);
      if (old != null) {
        old.shutdownNow();
      }
    }
    return again;
  }

  LockdServer follower(LockdServer leader) {
    return servers.stream().filter(s -> s != leader).findFirst().orElseThrow();
  }

  synchronized ManagedChannel channel(LockdServer server) {
    return channels.computeIfAbsent(
        server.selfId(),
        id -> NettyChannelBuilder.forTarget(clientAddresses.get(id)).usePlaintext().build());
  }

  static long checksum(LockdServer server) throws Exception {
    return server.onLoop(c -> c.readLocal(Namespace::stateChecksum), 5_000);
  }

  static long appliedIndex(LockdServer server) throws Exception {
    return server.onLoop(c -> c.readLocal(Namespace::appliedIndex), 5_000);
  }

  @Override
  public void close() {
    synchronized (this) {
      channels.values().forEach(ManagedChannel::shutdownNow);
      for (ManagedChannel c : channels.values()) {
        try {
          c.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      channels.clear();
    }
    for (LockdServer s : servers) {
      s.close();
    }
  }
}
