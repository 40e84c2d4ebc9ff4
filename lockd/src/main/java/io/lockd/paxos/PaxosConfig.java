package io.lockd.paxos;

import java.util.List;

/**
 * Everything that shapes the protocol's timing and limits. All times are in milliseconds of the
 * replica's monotonic clock.
 *
 * @param selfId this replica's id
 * @param replicaIds the voters the cell started with (its configuration at slot 0; later ones are
 *     chosen through the log, see {@link Membership}); a replica that joins a running cell is not
 *     among them
 * @param leaseMillis how long an acceptor's answer to a leader binds it not to promise another
 * @param clockDriftBound the largest rate error of any replica's clock (0.01 = 1%); leases are
 *     shortened by it so that two leases never overlap in real time
 * @param heartbeatMillis how often a leader renews its lease and announces its chosen index
 * @param electionTimeoutMillis silence from the leader after which a follower campaigns
 * @param electionJitterMillis up to this much random extra wait before campaigning or retrying, so
 *     that two candidates rarely duel
 * @param retransmitMillis how often unanswered prepares, accepts and catch-up requests are resent
 * @param maxInflightSlots the pipeline window: proposed but not yet chosen slots
 * @param maxBatchCommands the most commands one slot carries
 * @param maxBatchBytes the most payload bytes one slot carries (a single larger command still gets
 *     a slot of its own)
 * @param maxPendingCommands commands queued at the leader waiting for a slot; more are refused
 * @param catchUpMaxEntries the most chosen entries one catch-up answer carries
 * @param snapshotChunkBytes the size of one snapshot chunk sent to a lagging replica
 */
public record PaxosConfig(
    int selfId,
    List<Integer> replicaIds,
    long leaseMillis,
    double clockDriftBound,
    long heartbeatMillis,
    long electionTimeoutMillis,
    long electionJitterMillis,
    long retransmitMillis,
    int maxInflightSlots,
    int maxBatchCommands,
    int maxBatchBytes,
    int maxPendingCommands,
    int catchUpMaxEntries,
    int snapshotChunkBytes) {

  public static final long LEASE_MILLIS = 300;
  public static final long HEARTBEAT_MILLIS = 50;
  public static final long ELECTION_TIMEOUT_MILLIS = 500;
  public static final long ELECTION_JITTER_MILLIS = 250;
  public static final long RETRANSMIT_MILLIS = 30;
  public static final double CLOCK_DRIFT_BOUND = 0.01;
  public static final int MAX_INFLIGHT_SLOTS = 64;
  public static final int MAX_BATCH_COMMANDS = 1024;
  public static final int MAX_BATCH_BYTES = 1 << 20;
  public static final int MAX_PENDING_COMMANDS = 20_000;
  public static final int CATCH_UP_MAX_ENTRIES = 512;
  public static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;

  public PaxosConfig {
    replicaIds = List.copyOf(replicaIds.stream().sorted().distinct().toList());
    check(!replicaIds.isEmpty(), "replicaIds must not be empty");
    check(leaseMillis > 0, "leaseMillis must be positive");
    check(clockDriftBound >= 0 && clockDriftBound < 0.5, "clockDriftBound must be in [0, 0.5)");
    check(
        heartbeatMillis > 0 && heartbeatMillis * 2 <= leaseMillis,
        "heartbeatMillis must be positive and at most half of leaseMillis");
    check(electionTimeoutMillis > heartbeatMillis, "electionTimeoutMillis must exceed heartbeats");
    check(electionJitterMillis >= 0, "electionJitterMillis must not be negative");
    check(retransmitMillis > 0, "retransmitMillis must be positive");
    check(
        maxInflightSlots > 0 && maxBatchCommands > 0 && maxBatchBytes > 0,
        "window and batch limits must be positive");
    check(
        maxPendingCommands > 0 && catchUpMaxEntries > 0 && snapshotChunkBytes > 0,
        "queue and catch-up limits must be positive");
  }

  /**
   * Defaults for a cell on one LAN, 1% clock-rate bound. After the leader dies, a new one can serve
   * only once the lease grants to the old one ran out (at most a lease after its last heartbeat),
   * so the lease bounds failover: 300 ms, renewed every 50 ms, so that the leader keeps it through
   * stalls of ~240 ms. Followers wait 500-750 ms of silence before they ask for pre-votes, so that
   * a leader that is merely slow (a loaded machine, a GC pause) keeps its ballot, and it is the
   * peer connection reset of a killed leader ({@link PaxosNode#peerLost}) that starts an election
   * early. Refused pre-votes are asked again every 30 ms, so a new leader is chosen within a
   * retransmit interval of the old grants running out.
   */
  public static PaxosConfig defaults(int selfId, List<Integer> replicaIds) {
    return new PaxosConfig(
        selfId,
        replicaIds,
        LEASE_MILLIS,
        CLOCK_DRIFT_BOUND,
        HEARTBEAT_MILLIS,
        ELECTION_TIMEOUT_MILLIS,
        ELECTION_JITTER_MILLIS,
        RETRANSMIT_MILLIS,
        MAX_INFLIGHT_SLOTS,
        MAX_BATCH_COMMANDS,
        MAX_BATCH_BYTES,
        MAX_PENDING_COMMANDS,
        CATCH_UP_MAX_ENTRIES,
        SNAPSHOT_CHUNK_BYTES);
  }

  public PaxosConfig withSelf(int id) {
    return new PaxosConfig(
        id,
        replicaIds,
        leaseMillis,
        clockDriftBound,
        heartbeatMillis,
        electionTimeoutMillis,
        electionJitterMillis,
        retransmitMillis,
        maxInflightSlots,
        maxBatchCommands,
        maxBatchBytes,
        maxPendingCommands,
        catchUpMaxEntries,
        snapshotChunkBytes);
  }

  public int majority() {
    return replicaIds.size() / 2 + 1;
  }

  /**
   * How long, on the leader's clock, a lease counted from a send time lasts. An acceptor's grant
   * lasts at least leaseMillis/(1+e) of real time; the leader's clock may run slow by e, so it may
   * use only leaseMillis*(1-e)/(1+e) of its own time, less one millisecond because an acceptor
   * reads its clock in whole milliseconds.
   */
  public long leaderLeaseMillis() {
    return (long) Math.floor(leaseMillis * (1 - clockDriftBound) / (1 + clockDriftBound)) - 1;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
