package io.lockd.server.grpc;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.server.ServerConfig;
import io.lockd.transport.GrpcPeerTransport;
import io.lockd.transport.TransportLimits;

/**
 * The one validation of a {@link LockdConfig} (in the spirit of hashicorp/raft's {@code
 * ValidateConfig}): every value in its range and every relation between values, checked before
 * anything starts. A refusal names the key as the option a user types ({@code --lease-ms}; the
 * config file's key is the same without dashes) and the value it was given. The layers' own records
 * check their invariants again when built; after this step they cannot fail.
 */
final class ConfigChecks {
  /** A bound on any duration, so that sums of durations cannot overflow (about a year). */
  private static final long DURATION_MAX_MILLIS = NamespaceLimits.DURATION_CAP_MILLIS;

  /** Room for everything in a client request but its contents: path, header and framing. */
  static final int ENVELOPE_BYTES = 1 << 10;

  /** The largest batch or snapshot chunk: a peer message must hold one with room to spare. */
  static final int PEER_PAYLOAD_MAX_BYTES = TransportLimits.defaults().maxMessageBytes() / 4;

  private ConfigChecks() {}

  static void validate(LockdConfigBuilder b) {
    identity(b);
    timing(b);
    consensusLimits(b);
    namespaceLimits(b);
    serverLimits(b);
    TlsChecks.validate(b);
  }

  private static void identity(LockdConfigBuilder b) {
    if (b.selfId == null) {
      throw new IllegalArgumentException("--id is required (or id= in the --config file)");
    }
    if (b.members.isEmpty()) {
      throw new IllegalArgumentException(
          "--member is required, once per member (or member= in the --config file)");
    }
    if (b.dataDir == null) {
      throw new IllegalArgumentException(
          "--data-dir is required (or data-dir= in the --config file)");
    }
    Members members = Members.parse(b.members);
    if (!members.peers().containsKey(b.selfId)) {
      throw new IllegalArgumentException(
          "--id "
              + b.selfId
              + " is not one of the members "
              + members.ids()
              + (b.join ? " (with --join, give this replica's own --member too)" : ""));
    }
    if (b.join && members.ids().size() < 2) {
      throw new IllegalArgumentException(
          "--join needs the members of the running cell (--member, at least one besides --id "
              + b.selfId
              + "): they are how this replica finds the cell");
    }
    if (b.cell == null || b.cell.isBlank()) {
      throw new IllegalArgumentException("--cell must not be empty");
    }
    try {
      GrpcPeerTransport.checkCellName(b.cell);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cell: " + e.getMessage(), e);
    }
    if (b.peerListen != null) {
      Members.checkAddress(b.peerListen, "--peer-listen");
    }
    if (b.clientListen != null) {
      Members.checkAddress(b.clientListen, "--client-listen");
    }
    if (b.metricsListen != null) {
      Members.checkAddress(b.metricsListen, "--metrics-addr");
    }
  }

  private static void timing(LockdConfigBuilder b) {
    within("--lease-ms", b.leaseMillis, 1, DURATION_MAX_MILLIS);
    if (!(b.clockDrift >= 0 && b.clockDrift < 0.5)) {
      throw new IllegalArgumentException("--clock-drift must be in [0, 0.5), was " + b.clockDrift);
    }
    if (b.heartbeatMillis <= 0 || b.heartbeatMillis * 2 > b.leaseMillis) {
      throw new IllegalArgumentException(
          "--heartbeat-ms must be positive and at most half of --lease-ms ("
              + b.leaseMillis
              + "), was "
              + b.heartbeatMillis);
    }
    within(
        "--election-timeout-ms",
        b.electionTimeoutMillis,
        b.heartbeatMillis + 1,
        DURATION_MAX_MILLIS);
    within("--election-jitter-ms", b.electionJitterMillis, 0, DURATION_MAX_MILLIS);
    within("--retransmit-ms", b.retransmitMillis, 1, DURATION_MAX_MILLIS);
    within("--tick-ms", b.tickMillis, 1, b.heartbeatMillis);
    within("--server-tick-ms", b.serverTickMillis, 1, DURATION_MAX_MILLIS);
    within("--proposal-timeout-ms", b.proposalTimeoutMillis, 1, DURATION_MAX_MILLIS);
    within("--grace-ms", b.graceMillis, 0, ServerConfig.GRACE_MAX_MILLIS);
    within("--park-ms", b.parkMillis, 0, DURATION_MAX_MILLIS);
    within("--checksum-idle-ms", b.checksumIdleMillis, 1, DURATION_MAX_MILLIS);
    within("--reconcile-every-ms", b.reconcileEveryMillis, 1, DURATION_MAX_MILLIS);
    within("--status-fetch-ms", b.statusFetchMillis, 1, DURATION_MAX_MILLIS);
    // Quieter than a heartbeat is normal: calling such a peer unreachable would be noise.
    within(
        "--unreachable-after-ms",
        b.unreachableAfterMillis,
        b.heartbeatMillis + 1,
        DURATION_MAX_MILLIS);
  }

  private static void consensusLimits(LockdConfigBuilder b) {
    atLeast("--max-inflight-slots", b.maxInflightSlots, 1);
    atLeast("--max-batch-commands", b.maxBatchCommands, 1);
    within("--max-batch-bytes", b.maxBatchBytes, 1, PEER_PAYLOAD_MAX_BYTES);
    atLeast("--max-pending-commands", b.maxPendingCommands, 1);
    atLeast("--max-catch-up-entries", b.maxCatchUpEntries, 1);
    within("--snapshot-chunk-bytes", b.snapshotChunkBytes, 1, PEER_PAYLOAD_MAX_BYTES);
    atLeast("--snapshot-every-slots", b.snapshotEverySlots, 1);
    atLeast("--checksum-every-slots", b.checksumEverySlots, 1);
  }

  private static void namespaceLimits(LockdConfigBuilder b) {
    within("--max-content-bytes", b.maxContentBytes, 1, NamespaceLimits.CONTENT_BYTES_CAP);
    atLeast("--max-total-content-bytes", b.maxTotalContentBytes, b.maxContentBytes);
    within("--max-path-bytes", b.maxPathBytes, 2, NamespaceLimits.PATH_BYTES_CAP);
    atLeast("--max-path-depth", b.maxPathDepth, 1);
    atLeast("--max-children-per-directory", b.maxChildrenPerDirectory, 1);
    atLeast("--max-nodes", b.maxNodes, 1);
    atLeast("--max-sessions", b.maxSessions, 1);
    atLeast("--max-waiters-per-lock", b.maxWaitersPerLock, 1);
    atLeast("--max-events-per-session", b.maxEventsPerSession, 1);
    atLeast("--max-watches-per-session", b.maxWatchesPerSession, 1);
    within("--max-lock-delay-ms", b.maxLockDelayMillis, 0, NamespaceLimits.LOCK_DELAY_CAP_MILLIS);
    within("--lock-delay-ms", b.lockDelayMillis, 0, b.maxLockDelayMillis);
    within("--min-session-lease-ms", b.minSessionLeaseMillis, 1, DURATION_MAX_MILLIS);
    within(
        "--max-session-lease-ms",
        b.maxSessionLeaseMillis,
        b.minSessionLeaseMillis,
        DURATION_MAX_MILLIS);
    within(
        "--session-lease-ms",
        b.sessionLeaseMillis,
        b.minSessionLeaseMillis,
        b.maxSessionLeaseMillis);
    within("--max-wait-ms", b.maxWaitMillis, 1, DURATION_MAX_MILLIS);
    within(
        "--max-client-name-bytes", b.maxClientNameBytes, 1, NamespaceLimits.CLIENT_NAME_BYTES_CAP);
    atLeast("--sequence-window", b.sequenceWindow, 1);
  }

  private static void serverLimits(LockdConfigBuilder b) {
    atLeast("--max-expiries-in-flight", b.maxExpiriesInFlight, 1);
    atLeast("--max-keepalive-streams", b.maxKeepaliveStreams, 1);
    within(
        "--max-keepalive-streams-per-session",
        b.maxKeepaliveStreamsPerSession,
        1,
        b.maxKeepaliveStreams);
    atLeast("--max-cached-files-per-session", b.maxCachedFilesPerSession, 0);
    atLeast("--max-calls-per-stream", b.maxCallsPerStream, 1);
    atLeast("--max-parked-requests", b.maxParkedRequests, 0);
    atLeast("--max-calls-per-connection", b.maxCallsPerConnection, 1);
    atLeast("--max-session-creations-in-flight", b.maxSessionCreationsInFlight, 1);
    atLeast("--max-keepalive-openings-in-flight", b.maxKeepaliveOpeningsInFlight, 1);
    if (b.maxInboundMessageBytes != null) {
      long needed = smallestInboundMessageBytes(b.maxContentBytes, b.maxPathBytes);
      if (b.maxInboundMessageBytes < needed) {
        throw new IllegalArgumentException(
            "--max-inbound-message-bytes must be at least "
                + needed
                + " (--max-content-bytes + --max-path-bytes + "
                + ENVELOPE_BYTES
                + "), was "
                + b.maxInboundMessageBytes);
      }
    }
  }

  /** The smallest client message limit that still lets every request the namespace accepts in. */
  static long smallestInboundMessageBytes(int maxContentBytes, int maxPathBytes) {
    return (long) maxContentBytes + maxPathBytes + ENVELOPE_BYTES;
  }

  private static void atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be at least " + min + ", was " + value);
    }
  }

  private static void within(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          key + " must be within [" + min + ", " + max + "], was " + value);
    }
  }
}
