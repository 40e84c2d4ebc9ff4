package io.lockd.server.grpc;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.replica.RuntimeConfig;
import io.lockd.server.ServerConfig;
import io.lockd.transport.TlsFiles;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * Everything one lockd replica is configured with, validated: the one way to configure a replica,
 * whether from the daemon's options, its config file or code ({@link #builder}). Each layer gets
 * its own view ({@link #paxos}, {@link #runtime}, {@link #limits}, {@link #server}); every default
 * is a constant named once, in the layer that uses it, and the builder starts from those.
 *
 * <p>Some settings must be equal on every member, or replicas could break a lease or apply the same
 * command differently: {@link #cellSettings} lists them, and replicas compare it when they connect
 * (docs/transport.md, "Handshake").
 */
public final class LockdConfig {
  public static final String CELL = "lockd";
  public static final long TICK_MILLIS = 5;
  public static final long SERVER_TICK_MILLIS = 10;
  public static final long STATUS_FETCH_MILLIS = 300;

  /**
   * One connection must carry 5,000 sessions (a proxy, an application server): each holds a
   * KeepAlive stream and a Calls stream, 10,000 calls; twice that leaves room for unary calls and
   * streams being replaced. lockd refuses the call over it at once ({@code ConnectionCallLimit}).
   */
  public static final int CALLS_PER_CONNECTION_MAX = 20_000;

  /**
   * Session creations in progress at once on one replica (admission, {@code Admission}): far above
   * what steady clients need, small enough that a burst cannot fill the leader's loop.
   */
  public static final int SESSION_CREATIONS_IN_FLIGHT_MAX = 1_000;

  /**
   * KeepAlive streams being opened at once on one replica: after a leader change every stream
   * reconnects at once; beyond this many they wait in their clients' backoff, not in the loop.
   */
  public static final int KEEPALIVE_OPENINGS_IN_FLIGHT_MAX = 1_000;

  /** The most contents a client message may carry beyond the largest file, by default. */
  private static final int INBOUND_HEADROOM_BYTES = 64 << 10;

  private final String cell;
  private final Members members;
  private final Path dataDir;
  private final boolean join;
  private final InetSocketAddress peerListen;
  private final InetSocketAddress clientListen;
  private final InetSocketAddress metricsListen;
  private final PaxosConfig paxos;
  private final ReplicaOptions replicaOptions;
  private final long tickMillis;
  private final NamespaceLimits limits;
  private final ServerConfig server;
  private final long serverTickMillis;
  private final long statusFetchMillis;
  private final int maxCallsPerConnection;
  private final int maxSessionCreationsInFlight;
  private final int maxKeepaliveOpeningsInFlight;
  private final int maxInboundMessageBytes;
  private final TlsFiles tls;
  private final AdminRights adminRights;

  LockdConfig(LockdConfigBuilder b) {
    cell = b.cell;
    members = Members.parse(b.members);
    int id = b.selfId;
    dataDir = b.dataDir;
    join = b.join;
    peerListen = address(b.peerListen != null ? b.peerListen : members.peers().get(id));
    clientListen = address(b.clientListen != null ? b.clientListen : members.clients().get(id));
    metricsListen = b.metricsListen == null ? null : address(b.metricsListen);
    paxos =
        new PaxosConfig(
            id,
            initialVoters(members, id, join),
            b.leaseMillis,
            b.clockDrift,
            b.heartbeatMillis,
            b.electionTimeoutMillis,
            b.electionJitterMillis,
            b.retransmitMillis,
            b.maxInflightSlots,
            b.maxBatchCommands,
            b.maxBatchBytes,
            b.maxPendingCommands,
            b.maxCatchUpEntries,
            b.snapshotChunkBytes);
    replicaOptions =
        new ReplicaOptions(
            b.proposalTimeoutMillis,
            b.snapshotEverySlots,
            b.checksumEverySlots,
            b.checksumIdleMillis);
    tickMillis = b.tickMillis;
    limits = namespaceLimits(b);
    server =
        new ServerConfig(
            b.graceMillis,
            b.maxExpiriesInFlight,
            b.maxKeepaliveStreams,
            b.maxKeepaliveStreamsPerSession,
            b.reconcileEveryMillis,
            b.unreachableAfterMillis,
            b.clockDrift,
            b.maxCachedFilesPerSession,
            b.maxCallsPerStream,
            b.maxParkedRequests,
            b.parkMillis);
    serverTickMillis = b.serverTickMillis;
    statusFetchMillis = b.statusFetchMillis;
    maxCallsPerConnection = b.maxCallsPerConnection;
    maxSessionCreationsInFlight = b.maxSessionCreationsInFlight;
    maxKeepaliveOpeningsInFlight = b.maxKeepaliveOpeningsInFlight;
    maxInboundMessageBytes =
        b.maxInboundMessageBytes != null
            ? b.maxInboundMessageBytes
            : defaultInboundMessageBytes(b.maxContentBytes, b.maxPathBytes);
    tls =
        b.tlsCert == null
            ? null
            : new TlsFiles(
                b.tlsCert,
                b.tlsKey,
                b.tlsCa,
                TlsChecks.clientAuth(b.clientAuth),
                b.tlsReloadMillis);
    adminRights = new AdminRights(b.admins, b.allowAnonymousAdmin);
  }

  /**
   * The configuration at slot 0 as far as the options tell it: every member given, except a joining
   * replica itself, which is no voter of the cell it joins ({@link CellOrigin} keeps what a data
   * directory started with).
   */
  private static java.util.List<Integer> initialVoters(Members members, int self, boolean join) {
    java.util.List<Integer> ids = members.ids();
    if (join) {
      ids.remove(Integer.valueOf(self));
    }
    return ids;
  }

  /** A builder starting from the defaults. */
  public static LockdConfigBuilder builder() {
    return new LockdConfigBuilder();
  }

  private static NamespaceLimits namespaceLimits(LockdConfigBuilder b) {
    return NamespaceLimits.builder()
        .maxContentBytes(b.maxContentBytes)
        .maxTotalContentBytes(b.maxTotalContentBytes)
        .maxPathBytes(b.maxPathBytes)
        .maxPathDepth(b.maxPathDepth)
        .maxChildrenPerDirectory(b.maxChildrenPerDirectory)
        .maxNodes(b.maxNodes)
        .maxSessions(b.maxSessions)
        .maxWaitersPerLock(b.maxWaitersPerLock)
        .maxEventsPerSession(b.maxEventsPerSession)
        .maxWatchesPerSession(b.maxWatchesPerSession)
        .maxLockDelayMillis(b.maxLockDelayMillis)
        .lockDelayDefaultMillis(b.lockDelayMillis)
        .minLeaseMillis(b.minSessionLeaseMillis)
        .maxLeaseMillis(b.maxSessionLeaseMillis)
        .leaseDefaultMillis(b.sessionLeaseMillis)
        .maxWaitMillis(b.maxWaitMillis)
        .maxClientNameBytes(b.maxClientNameBytes)
        .sequenceWindow(b.sequenceWindow)
        .build();
  }

  /**
   * The default client message limit: the largest contents plus 64 KiB, or more if paths may be
   * longer than that leaves room for.
   */
  static int defaultInboundMessageBytes(int maxContentBytes, int maxPathBytes) {
    long bytes =
        Math.max(
            (long) maxContentBytes + INBOUND_HEADROOM_BYTES,
            ConfigChecks.smallestInboundMessageBytes(maxContentBytes, maxPathBytes));
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  private static InetSocketAddress address(String hostPort) {
    return new InetSocketAddress(Members.host(hostPort), Members.port(hostPort));
  }

  /**
   * The settings every member must share, as {@code key=value,...} in a fixed order, keyed as the
   * options are: the lease and the clock drift bound (a leader counts on its acceptors' lease
   * grants lasting as long as its own reckoning says; with another lease or drift bound two leaders
   * could overlap), every namespace limit (a command that fits under one replica's limits and not
   * another's would make them diverge) and the admin identities (a digest: whoever leads, the same
   * callers may administer the cell). Everything else may differ between members (docs/transport.md
   * says why, setting by setting).
   */
  public String cellSettings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("lease-ms", paxos.leaseMillis());
    s.put("clock-drift", paxos.clockDriftBound());
    s.putAll(limitOptions(limits));
    s.put("admins", adminRights.digest());
    return s.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** The namespace limits as lockd's options name them, in a fixed order. */
  public static Map<String, Object> limitOptions(NamespaceLimits limits) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("max-content-bytes", limits.maxContentBytes());
    s.put("max-total-content-bytes", limits.maxTotalContentBytes());
    s.put("max-path-bytes", limits.maxPathBytes());
    s.put("max-path-depth", limits.maxPathDepth());
    s.put("max-children-per-directory", limits.maxChildrenPerDirectory());
    s.put("max-nodes", limits.maxNodes());
    s.put("max-sessions", limits.maxSessions());
    s.put("max-waiters-per-lock", limits.maxWaitersPerLock());
    s.put("max-events-per-session", limits.maxEventsPerSession());
    s.put("max-watches-per-session", limits.maxWatchesPerSession());
    s.put("max-lock-delay-ms", limits.maxLockDelayMillis());
    s.put("lock-delay-ms", limits.lockDelayDefaultMillis());
    s.put("min-session-lease-ms", limits.minLeaseMillis());
    s.put("max-session-lease-ms", limits.maxLeaseMillis());
    s.put("session-lease-ms", limits.leaseDefaultMillis());
    s.put("max-wait-ms", limits.maxWaitMillis());
    s.put("max-client-name-bytes", limits.maxClientNameBytes());
    s.put("sequence-window", limits.sequenceWindow());
    return s;
  }

  /** One line for the start-up log and {@code lockd --check}. */
  public String describe() {
    return "cell '"
        + cell
        + "', replica "
        + selfId()
        + (join ? " joining the cell of " : " of ")
        + paxos.replicaIds()
        + ", clients on "
        + clientListen
        + ", peers on "
        + peerListen
        + (metricsListen == null ? "" : ", metrics on " + metricsListen)
        + ", data in "
        + dataDir
        + ", grace "
        + server.graceMillis()
        + " ms, "
        + (tls == null
            ? "no TLS (plaintext, unauthenticated)"
            : "TLS with cert "
                + tls.cert()
                + ", client certificates "
                + tls.clientAuth().optionValue()
                + ", reloaded every "
                + tls.reloadMillis()
                + " ms")
        + ", shared with the cell: "
        + cellSettings();
  }

  public int selfId() {
    return paxos.selfId();
  }

  public String cell() {
    return cell;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The consensus core's view. */
  public PaxosConfig paxos() {
    return paxos;
  }

  /**
   * The replica runtime's view: cell, consensus, peers, data directory, and the {@link
   * #cellSettings} its peers must share.
   */
  public RuntimeConfig runtime() {
    return runtime(paxos.replicaIds());
  }

  /** The same with another configuration at slot 0 (the one the data directory started with). */
  RuntimeConfig runtime(java.util.List<Integer> initialVoters) {
    PaxosConfig p =
        new PaxosConfig(
            paxos.selfId(),
            initialVoters,
            paxos.leaseMillis(),
            paxos.clockDriftBound(),
            paxos.heartbeatMillis(),
            paxos.electionTimeoutMillis(),
            paxos.electionJitterMillis(),
            paxos.retransmitMillis(),
            paxos.maxInflightSlots(),
            paxos.maxBatchCommands(),
            paxos.maxBatchBytes(),
            paxos.maxPendingCommands(),
            paxos.catchUpMaxEntries(),
            paxos.snapshotChunkBytes());
    return new RuntimeConfig(
            cell, p, members.peers(), peerListen, dataDir, replicaOptions, tickMillis)
        .withCellSettings(cellSettings());
  }

  /** Whether this replica joins a running cell ({@link LockdConfigBuilder#join}). */
  public boolean join() {
    return join;
  }

  /** The namespace's limits (equal on every member). */
  public NamespaceLimits limits() {
    return limits;
  }

  /** The server layer's view (grace, stream and call limits). */
  public ServerConfig server() {
    return server;
  }

  /** Every member's peer address by id, as the options give them. */
  public SortedMap<Integer, String> peerAddresses() {
    return members.peers();
  }

  /** Every member's client address by id, as clients dial it (redirects, the status view). */
  public SortedMap<Integer, String> clientAddresses() {
    return members.clients();
  }

  /** Where this replica accepts clients. */
  public InetSocketAddress clientListen() {
    return clientListen;
  }

  /** Where this replica serves Prometheus metrics ({@code GET /metrics}); null: nowhere. */
  public InetSocketAddress metricsListen() {
    return metricsListen;
  }

  /** How often the leader's duties run (expiry, timers, health). */
  public long serverTickMillis() {
    return serverTickMillis;
  }

  /** The deadline for asking a peer for its status. */
  public long statusFetchMillis() {
    return statusFetchMillis;
  }

  /** The most calls (streams included) open at once on one client connection. */
  public int maxCallsPerConnection() {
    return maxCallsPerConnection;
  }

  /** The most session creations in progress at once; more are refused BUSY. */
  public int maxSessionCreationsInFlight() {
    return maxSessionCreationsInFlight;
  }

  /** The most KeepAlive streams being opened at once; more are refused BUSY. */
  public int maxKeepaliveOpeningsInFlight() {
    return maxKeepaliveOpeningsInFlight;
  }

  /**
   * The largest message a client may send: at least a file of the largest contents with the longest
   * path, so that every request the namespace accepts can also be received.
   */
  public int maxInboundMessageBytes() {
    return maxInboundMessageBytes;
  }

  /** The TLS files of both ports, or null if this replica serves plaintext. */
  public TlsFiles tls() {
    return tls;
  }

  /** Who may administer the cell ({@code --admin}, {@code --allow-anonymous-admin}). */
  public AdminRights adminRights() {
    return adminRights;
  }

  @Override
  public String toString() {
    return describe();
  }
}
