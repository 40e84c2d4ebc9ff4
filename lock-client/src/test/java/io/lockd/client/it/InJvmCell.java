package io.lockd.client.it;

import io.lockd.client.LockClient;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import io.lockd.server.grpc.LockdServer;
import io.lockd.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real lockd cell in this JVM: {@code size} {@link LockdServer}s (MapDB, gRPC peer transport,
 * gRPC client port) on 127.0.0.1, ports chosen at run time. For fast protocol checks against the
 * real server; the failover tests use {@link ProcessCell} (separate JVMs).
 */
public final class InJvmCell implements AutoCloseable {
  private final Map<Integer, LockdConfig> configs = new TreeMap<>();
  private final Map<Integer, LockdServer> servers = new TreeMap<>();
  private final Map<Integer, String> clientAddresses = new TreeMap<>();

  public InJvmCell(int size, Path root, long graceMillis) throws IOException {
    this(size, root, graceMillis, NamespaceLimits.defaults());
  }

  /** A cell whose namespace has {@code limits} (every replica the same). */
  public InJvmCell(int size, Path root, long graceMillis, NamespaceLimits limits)
      throws IOException {
    Map<Integer, String> peers = new TreeMap<>();
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
                .cell("it")
                .selfId(id)
                .dataDir(root.resolve("r" + id))
                .namespaceLimits(limits)
                .graceMillis(graceMillis);
        ids.forEach(m -> config.member(m, peers.get(m), clientAddresses.get(m)));
        configs.put(id, config.build());
        start(id);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  public List<String> endpoints() {
    return List.copyOf(clientAddresses.values());
  }

  public LockClient.Builder clientBuilder() {
    return LockClient.builder()
        .endpoints(endpoints())
        .operationTimeout(Duration.ofSeconds(20))
        .attemptTimeout(Duration.ofSeconds(1));
  }

  /** Stops replica {@code id} (its data stays); a stopped replica refuses connections. */
  public synchronized void stop(int id) {
    LockdServer s = servers.remove(id);
    if (s != null) {
      s.close();
    }
  }

  /** Starts replica {@code id} (again) from its data directory, on its ports. */
  public synchronized void start(int id) throws IOException {
    if (servers.containsKey(id)) {
      throw new IllegalStateException("replica " + id + " runs already");
    }
    servers.put(id, LockdServer.start(configs.get(id)));
  }

  @Override
  public synchronized void close() {
    for (LockdServer s : servers.values()) {
      s.close();
    }
    servers.clear();
  }
}
