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
 * @param callsPerConnectionMax the most calls (streams included) open at once on one client
 *     connection; HTTP/2 makes a client wait for a free one beyond it
 * @param inboundMessageBytesMax the largest message a client may send; it must leave room for a
 *     file of the largest contents with the longest path, so that every request the namespace
 *     accepts can also be received
 */
public record LockdServerConfig(
    RuntimeConfig runtime,
    NamespaceLimits limits,
    ServerConfig server,
    Map<Integer, String> clientAddresses,
    InetSocketAddress clientListen,
    long serverTickMillis,
    long statusFetchMillis,
    int callsPerConnectionMax,
    int inboundMessageBytesMax) {

  public static final int CALLS_PER_CONNECTION_MAX = 1_000;

  /** Room for everything in a request but its contents: path, header and framing. */
  private static final int ENVELOPE_BYTES = 1 << 10;

  public LockdServerConfig {
    clientAddresses = new TreeMap<>(clientAddresses);
    if (serverTickMillis <= 0 || statusFetchMillis <= 0) {
      throw new IllegalArgumentException("serverTickMillis and statusFetchMillis must be positive");
    }
    if (callsPerConnectionMax <= 0) {
      throw new IllegalArgumentException(
          "callsPerConnectionMax must be positive, was " + callsPerConnectionMax);
    }
    long needed = smallestInboundMessageBytes(limits);
    if (inboundMessageBytesMax < needed) {
      throw new IllegalArgumentException(
          "inboundMessageBytesMax must be at least "
              + needed
              + " (contentBytesMax + pathBytesMax + "
              + ENVELOPE_BYTES
              + "), was "
              + inboundMessageBytesMax);
    }
  }

  /** The defaults for the client port's limits. */
  public LockdServerConfig(
      RuntimeConfig runtime,
      NamespaceLimits limits,
      ServerConfig server,
      Map<Integer, String> clientAddresses,
      InetSocketAddress clientListen,
      long serverTickMillis,
      long statusFetchMillis) {
    this(
        runtime,
        limits,
        server,
        clientAddresses,
        clientListen,
        serverTickMillis,
        statusFetchMillis,
        CALLS_PER_CONNECTION_MAX,
        defaultInboundMessageBytes(limits));
  }

  /**
   * The default inbound message limit: the largest contents plus 64 KiB, or more if paths may be
   * longer than that leaves room for.
   */
  public static int defaultInboundMessageBytes(NamespaceLimits limits) {
    long bytes =
        Math.max((long) limits.contentBytesMax() + (64 << 10), smallestInboundMessageBytes(limits));
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  private static long smallestInboundMessageBytes(NamespaceLimits limits) {
    return (long) limits.contentBytesMax() + limits.pathBytesMax() + ENVELOPE_BYTES;
  }

  public int selfId() {
    return runtime.paxos().selfId();
  }
}
