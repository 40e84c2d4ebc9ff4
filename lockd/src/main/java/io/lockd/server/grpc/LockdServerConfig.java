package io.lockd.server.grpc;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.replica.RuntimeConfig;
import io.lockd.server.ServerConfig;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one lockd process needs.
 *
 * @param runtime the replica: cell, consensus settings, peer addresses, data directory
 * @param limits the namespace's limits (equal on every member)
 * @param server the server layer's settings (grace period, stream limits)
 * @param clientAddresses every member's client address by id, as clients should dial it (used in
 *     leader redirects and the status view)
 * @param clientListen where this replica accepts clients (port 0: any free port)
 * @param serverTickMillis how often the leader's duties run (expiry, timers, health)
 * @param statusFetchMillis deadline for asking a peer for its status
 */
public record LockdServerConfig(
    RuntimeConfig runtime,
    NamespaceLimits limits,
    ServerConfig server,
    Map<Integer, String> clientAddresses,
    InetSocketAddress clientListen,
    long serverTickMillis,
    long statusFetchMillis) {

  public LockdServerConfig {
    clientAddresses = new TreeMap<>(clientAddresses);
    if (serverTickMillis <= 0 || statusFetchMillis <= 0) {
      throw new IllegalArgumentException("serverTickMillis and statusFetchMillis must be positive");
    }
  }

  public int selfId() {
    return runtime.paxos().selfId();
  }
}
