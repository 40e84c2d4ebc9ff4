package io.lockd.bench;

import io.lockd.paxos.PaxosConfig;
import io.lockd.paxos.Role;
import io.lockd.replica.ReplicaListener;
import io.lockd.replica.ReplicaOptions;
import io.lockd.replica.ReplicaRuntime;
import io.lockd.replica.RuntimeConfig;
import io.lockd.replica.StateMachine;
import io.lockd.testing.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/** A cell of production replicas in one JVM on 127.0.0.1, for benchmarks and tests. */
final class LocalCell implements AutoCloseable {
  final List<ReplicaRuntime> replicas = new ArrayList<>();

  LocalCell(int size, Path dataRoot, IntFunction<StateMachine> machines) throws IOException {
    Map<Integer, String> peers = new TreeMap<>();
    List<Integer> ids = new ArrayList<>();
    List<Integer> ports = FreePorts.distinct(size);
    for (int id = 1; id <= size; id++) {
      ids.add(id);
      peers.put(id, "127.0.0.1:" + ports.get(id - 1));
    }
    for (int id : ids) {
      int port = Integer.parseInt(peers.get(id).substring(peers.get(id).indexOf(':') + 1));
      RuntimeConfig config =
          new RuntimeConfig(
              "bench",
              PaxosConfig.defaults(id, ids),
              peers,
              new InetSocketAddress("127.0.0.1", port),
              dataRoot.resolve("r" + id),
              ReplicaOptions.defaults(),
              5);
      replicas.add(ReplicaRuntime.start(config, machines.apply(id), ReplicaListener.NONE));
    }
  }

  /** Waits (bounded) until one replica leads and may serve reads; returns it. */
  ReplicaRuntime awaitLeader(long timeoutMillis) throws Exception {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (System.nanoTime() < deadline) {
      for (ReplicaRuntime r : replicas) {
        if (r.loop().isRunning()
            && r.loop().call(rep -> rep.role() == Role.LEADER && rep.canServeReads(), 1000)) {
          return r;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no leader within " + timeoutMillis + " ms");
  }

  @Override
  public void close() {
    for (ReplicaRuntime r : replicas) {
      r.close();
    }
  }
}
