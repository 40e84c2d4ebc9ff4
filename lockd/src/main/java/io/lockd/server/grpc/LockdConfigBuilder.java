package io.lockd.server.grpc;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.ServerConfig;
import io.lockd.transport.TlsFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets a {@link LockdConfig} one named value at a time, starting from the defaults; {@link #build}
 * checks them together. Each setter's name is its key in camel case: {@code maxContentBytes} is the
 * option {@code --max-content-bytes} and the config file key {@code max-content-bytes}
 * (docs/server.md lists them all).
 */
public final class LockdConfigBuilder {
  // Package-private: read by ConfigChecks and LockdConfig, written only through the setters.
  String cell = LockdConfig.CELL;
  Integer selfId;
  final List<String> members = new ArrayList<>();
  Path dataDir;
  boolean join;
  String peerListen;
  String clientListen;
  String metricsListen;

  long leaseMillis = PaxosConfig.LEASE_MILLIS;
  double clockDrift = PaxosConfig.CLOCK_DRIFT_BOUND;
  long heartbeatMillis = PaxosConfig.HEARTBEAT_MILLIS;
  long electionTimeoutMillis = PaxosConfig.ELECTION_TIMEOUT_MILLIS;
  long electionJitterMillis = PaxosConfig.ELECTION_JITTER_MILLIS;
  long retransmitMillis = PaxosConfig.RETRANSMIT_MILLIS;
  int maxInflightSlots = PaxosConfig.MAX_INFLIGHT_SLOTS;
  int maxBatchCommands = PaxosConfig.MAX_BATCH_COMMANDS;
  int maxBatchBytes = PaxosConfig.MAX_BATCH_BYTES;
  int maxPendingCommands = PaxosConfig.MAX_PENDING_COMMANDS;
  int maxCatchUpEntries = PaxosConfig.CATCH_UP_MAX_ENTRIES;
  int snapshotChunkBytes = PaxosConfig.SNAPSHOT_CHUNK_BYTES;
  long tickMillis = LockdConfig.TICK_MILLIS;

  long proposalTimeoutMillis = ReplicaOptions.PROPOSAL_TIMEOUT_MILLIS;
  long snapshotEverySlots = ReplicaOptions.SNAPSHOT_EVERY_SLOTS;
  long checksumEverySlots = ReplicaOptions.CHECKSUM_EVERY_SLOTS;
  long checksumIdleMillis = ReplicaOptions.CHECKSUM_IDLE_MILLIS;

  int maxContentBytes = NamespaceLimits.CONTENT_BYTES_MAX_DEFAULT;
  long maxTotalContentBytes = NamespaceLimits.TOTAL_CONTENT_BYTES_MAX_DEFAULT;
  int maxPathBytes = NamespaceLimits.PATH_BYTES_MAX_DEFAULT;
  int maxPathDepth = NamespaceLimits.PATH_DEPTH_MAX_DEFAULT;
  int maxChildrenPerDirectory = NamespaceLimits.CHILDREN_PER_DIRECTORY_MAX_DEFAULT;
  int maxNodes = NamespaceLimits.NODES_MAX_DEFAULT;
  int maxSessions = NamespaceLimits.SESSIONS_MAX_DEFAULT;
  int maxWaitersPerLock = NamespaceLimits.WAITERS_PER_LOCK_MAX_DEFAULT;
  int maxEventsPerSession = NamespaceLimits.EVENTS_PER_SESSION_MAX_DEFAULT;
  int maxWatchesPerSession = NamespaceLimits.WATCHES_PER_SESSION_MAX_DEFAULT;
  long maxLockDelayMillis = NamespaceLimits.LOCK_DELAY_MAX_MILLIS_DEFAULT;
  long lockDelayMillis = NamespaceLimits.LOCK_DELAY_MILLIS_DEFAULT;
  long minSessionLeaseMillis = NamespaceLimits.LEASE_MIN_MILLIS_DEFAULT;
  long maxSessionLeaseMillis = NamespaceLimits.LEASE_MAX_MILLIS_DEFAULT;
  long sessionLeaseMillis = NamespaceLimits.LEASE_MILLIS_DEFAULT;
  long maxWaitMillis = NamespaceLimits.WAIT_MAX_MILLIS_DEFAULT;
  int maxClientNameBytes = NamespaceLimits.CLIENT_NAME_BYTES_MAX_DEFAULT;
  long sequenceWindow = NamespaceLimits.SEQUENCE_WINDOW_DEFAULT;

  long graceMillis = ServerConfig.GRACE_DEFAULT_MILLIS;
  int maxExpiriesInFlight = ServerConfig.EXPIRIES_IN_FLIGHT_MAX;
  int maxKeepaliveStreams = ServerConfig.STREAMS_MAX;
  int maxKeepaliveStreamsPerSession = ServerConfig.STREAMS_PER_SESSION_MAX;
  long reconcileEveryMillis = ServerConfig.RECONCILE_EVERY_MILLIS;
  long unreachableAfterMillis = ServerConfig.UNREACHABLE_AFTER_MILLIS;
  int maxCachedFilesPerSession = ServerConfig.CACHED_FILES_PER_SESSION_MAX;
  int maxCallsPerStream = ServerConfig.CALLS_PER_STREAM_MAX;
  int maxParkedRequests = ServerConfig.PARKED_REQUESTS_MAX;
  long parkMillis = ServerConfig.PARK_MILLIS;

  long serverTickMillis = LockdConfig.SERVER_TICK_MILLIS;
  long statusFetchMillis = LockdConfig.STATUS_FETCH_MILLIS;
  int maxCallsPerConnection = LockdConfig.CALLS_PER_CONNECTION_MAX;
  int maxSessionCreationsInFlight = LockdConfig.SESSION_CREATIONS_IN_FLIGHT_MAX;
  int maxKeepaliveOpeningsInFlight = LockdConfig.KEEPALIVE_OPENINGS_IN_FLIGHT_MAX;
  // Unset: derived from the content and path limits (LockdConfig.defaultInboundMessageBytes).
  Integer maxInboundMessageBytes;

  // TLS (issue 11): all three files or none; clientAuth unset means require when TLS is on.
  Path tlsCert;
  Path tlsKey;
  Path tlsCa;
  String clientAuth;
  long tlsReloadMillis = TlsFiles.RELOAD_MILLIS;
  final List<String> admins = new ArrayList<>();
  boolean allowAnonymousAdmin;

  LockdConfigBuilder() {}

  /** Checks every value and their relations; IllegalArgumentException names the key and value. */
  public LockdConfig build() {
    ConfigChecks.validate(this);
    return new LockdConfig(this);
  }

  public LockdConfigBuilder cell(String v) {
    cell = v;
    return this;
  }

  public LockdConfigBuilder selfId(int v) {
    selfId = v;
    return this;
  }

  /** Members as {@code ID=PEER_HOST:PORT,CLIENT_HOST:PORT}, several per value space-separated. */
  public LockdConfigBuilder members(List<String> specs) {
    members.addAll(specs);
    return this;
  }

  public LockdConfigBuilder member(int id, String peerAddress, String clientAddress) {
    members.add(id + "=" + peerAddress + "," + clientAddress);
    return this;
  }

  public LockdConfigBuilder dataDir(Path v) {
    dataDir = v;
    return this;
  }

  /**
   * This replica joins a running cell that already added it as a learner: the other members given
   * are only where it finds the cell, not its initial configuration, and its data directory must
   * hold no state (docs/operations.md, "Replace a dead replica").
   */
  public LockdConfigBuilder join(boolean v) {
    join = v;
    return this;
  }

  /** Where to accept peers, {@code host:port}; unset: this member's peer address. */
  public LockdConfigBuilder peerListen(String v) {
    peerListen = v;
    return this;
  }

  /** Where to accept clients, {@code host:port}; unset: this member's client address. */
  public LockdConfigBuilder clientListen(String v) {
    clientListen = v;
    return this;
  }

  /** Where to serve Prometheus metrics, {@code host:port}; unset: no metrics endpoint. */
  public LockdConfigBuilder metricsListen(String v) {
    metricsListen = v;
    return this;
  }

  public LockdConfigBuilder leaseMillis(long v) {
    leaseMillis = v;
    return this;
  }

  public LockdConfigBuilder clockDrift(double v) {
    clockDrift = v;
    return this;
  }

  public LockdConfigBuilder heartbeatMillis(long v) {
    heartbeatMillis = v;
    return this;
  }

  public LockdConfigBuilder electionTimeoutMillis(long v) {
    electionTimeoutMillis = v;
    return this;
  }

  public LockdConfigBuilder electionJitterMillis(long v) {
    electionJitterMillis = v;
    return this;
  }

  public LockdConfigBuilder retransmitMillis(long v) {
    retransmitMillis = v;
    return this;
  }

  public LockdConfigBuilder maxInflightSlots(int v) {
    maxInflightSlots = v;
    return this;
  }

  public LockdConfigBuilder maxBatchCommands(int v) {
    maxBatchCommands = v;
    return this;
  }

  public LockdConfigBuilder maxBatchBytes(int v) {
    maxBatchBytes = v;
    return this;
  }

  public LockdConfigBuilder maxPendingCommands(int v) {
    maxPendingCommands = v;
    return this;
  }

  public LockdConfigBuilder maxCatchUpEntries(int v) {
    maxCatchUpEntries = v;
    return this;
  }

  public LockdConfigBuilder snapshotChunkBytes(int v) {
    snapshotChunkBytes = v;
    return this;
  }

  public LockdConfigBuilder tickMillis(long v) {
    tickMillis = v;
    return this;
  }

  public LockdConfigBuilder proposalTimeoutMillis(long v) {
    proposalTimeoutMillis = v;
    return this;
  }

  public LockdConfigBuilder snapshotEverySlots(long v) {
    snapshotEverySlots = v;
    return this;
  }

  public LockdConfigBuilder checksumEverySlots(long v) {
    checksumEverySlots = v;
    return this;
  }

  public LockdConfigBuilder checksumIdleMillis(long v) {
    checksumIdleMillis = v;
    return this;
  }

  /** Every namespace limit at once, as {@code limits} has it. */
  public LockdConfigBuilder namespaceLimits(NamespaceLimits limits) {
    maxContentBytes = limits.maxContentBytes();
    maxTotalContentBytes = limits.maxTotalContentBytes();
    maxPathBytes = limits.maxPathBytes();
    maxPathDepth = limits.maxPathDepth();
    maxChildrenPerDirectory = limits.maxChildrenPerDirectory();
    maxNodes = limits.maxNodes();
    maxSessions = limits.maxSessions();
    maxWaitersPerLock = limits.maxWaitersPerLock();
    maxEventsPerSession = limits.maxEventsPerSession();
    maxWatchesPerSession = limits.maxWatchesPerSession();
    maxLockDelayMillis = limits.maxLockDelayMillis();
    lockDelayMillis = limits.lockDelayDefaultMillis();
    minSessionLeaseMillis = limits.minLeaseMillis();
    maxSessionLeaseMillis = limits.maxLeaseMillis();
    sessionLeaseMillis = limits.leaseDefaultMillis();
    maxWaitMillis = limits.maxWaitMillis();
    maxClientNameBytes = limits.maxClientNameBytes();
    sequenceWindow = limits.sequenceWindow();
    return this;
  }

  public LockdConfigBuilder maxContentBytes(int v) {
    maxContentBytes = v;
    return this;
  }

  public LockdConfigBuilder maxTotalContentBytes(long v) {
    maxTotalContentBytes = v;
    return this;
  }

  public LockdConfigBuilder maxPathBytes(int v) {
    maxPathBytes = v;
    return this;
  }

  public LockdConfigBuilder maxPathDepth(int v) {
    maxPathDepth = v;
    return this;
  }

  public LockdConfigBuilder maxChildrenPerDirectory(int v) {
    maxChildrenPerDirectory = v;
    return this;
  }

  public LockdConfigBuilder maxNodes(int v) {
    maxNodes = v;
    return this;
  }

  public LockdConfigBuilder maxSessions(int v) {
    maxSessions = v;
    return this;
  }

  public LockdConfigBuilder maxWaitersPerLock(int v) {
    maxWaitersPerLock = v;
    return this;
  }

  public LockdConfigBuilder maxEventsPerSession(int v) {
    maxEventsPerSession = v;
    return this;
  }

  public LockdConfigBuilder maxWatchesPerSession(int v) {
    maxWatchesPerSession = v;
    return this;
  }

  public LockdConfigBuilder maxLockDelayMillis(long v) {
    maxLockDelayMillis = v;
    return this;
  }

  public LockdConfigBuilder lockDelayMillis(long v) {
    lockDelayMillis = v;
    return this;
  }

  public LockdConfigBuilder minSessionLeaseMillis(long v) {
    minSessionLeaseMillis = v;
    return this;
  }

  public LockdConfigBuilder maxSessionLeaseMillis(long v) {
    maxSessionLeaseMillis = v;
    return this;
  }

  public LockdConfigBuilder sessionLeaseMillis(long v) {
    sessionLeaseMillis = v;
    return this;
  }

  public LockdConfigBuilder maxWaitMillis(long v) {
    maxWaitMillis = v;
    return this;
  }

  public LockdConfigBuilder maxClientNameBytes(int v) {
    maxClientNameBytes = v;
    return this;
  }

  public LockdConfigBuilder sequenceWindow(long v) {
    sequenceWindow = v;
    return this;
  }

  public LockdConfigBuilder graceMillis(long v) {
    graceMillis = v;
    return this;
  }

  public LockdConfigBuilder maxExpiriesInFlight(int v) {
    maxExpiriesInFlight = v;
    return this;
  }

  public LockdConfigBuilder maxKeepaliveStreams(int v) {
    maxKeepaliveStreams = v;
    return this;
  }

  public LockdConfigBuilder maxKeepaliveStreamsPerSession(int v) {
    maxKeepaliveStreamsPerSession = v;
    return this;
  }

  public LockdConfigBuilder reconcileEveryMillis(long v) {
    reconcileEveryMillis = v;
    return this;
  }

  public LockdConfigBuilder unreachableAfterMillis(long v) {
    unreachableAfterMillis = v;
    return this;
  }

  public LockdConfigBuilder maxCachedFilesPerSession(int v) {
    maxCachedFilesPerSession = v;
    return this;
  }

  public LockdConfigBuilder maxCallsPerStream(int v) {
    maxCallsPerStream = v;
    return this;
  }

  public LockdConfigBuilder maxParkedRequests(int v) {
    maxParkedRequests = v;
    return this;
  }

  public LockdConfigBuilder parkMillis(long v) {
    parkMillis = v;
    return this;
  }

  public LockdConfigBuilder serverTickMillis(long v) {
    serverTickMillis = v;
    return this;
  }

  public LockdConfigBuilder statusFetchMillis(long v) {
    statusFetchMillis = v;
    return this;
  }

  public LockdConfigBuilder maxCallsPerConnection(int v) {
    maxCallsPerConnection = v;
    return this;
  }

  public LockdConfigBuilder maxSessionCreationsInFlight(int v) {
    maxSessionCreationsInFlight = v;
    return this;
  }

  public LockdConfigBuilder maxKeepaliveOpeningsInFlight(int v) {
    maxKeepaliveOpeningsInFlight = v;
    return this;
  }

  /** The largest message a client may send; unset: the largest contents plus 64 KiB. */
  public LockdConfigBuilder maxInboundMessageBytes(int v) {
    maxInboundMessageBytes = v;
    return this;
  }

  /** This replica's certificate (PEM); with {@link #tlsKey} and {@link #tlsCa} turns TLS on. */
  public LockdConfigBuilder tlsCert(Path v) {
    tlsCert = v;
    return this;
  }

  /** The certificate's private key (PEM, PKCS#8). */
  public LockdConfigBuilder tlsKey(Path v) {
    tlsKey = v;
    return this;
  }

  /** The CA bundle (PEM) that peers' and clients' certificates must chain to. */
  public LockdConfigBuilder tlsCa(Path v) {
    tlsCa = v;
    return this;
  }

  /** {@code require} (the default with TLS), {@code optional} or {@code none}. */
  public LockdConfigBuilder clientAuth(String v) {
    clientAuth = v;
    return this;
  }

  /** How often the TLS files are read again (rotation without a restart). */
  public LockdConfigBuilder tlsReloadMillis(long v) {
    tlsReloadMillis = v;
    return this;
  }

  /** An identity allowed to administer the cell (ForceCloseSession, ListSessions); repeatable. */
  public LockdConfigBuilder admin(String identity) {
    admins.add(identity);
    return this;
  }

  /** Lets the anonymous caller administer the cell (plaintext trials and tests only). */
  public LockdConfigBuilder allowAnonymousAdmin(boolean v) {
    allowAnonymousAdmin = v;
    return this;
  }
}
