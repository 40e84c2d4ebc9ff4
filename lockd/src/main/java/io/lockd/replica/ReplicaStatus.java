package io.lockd.replica;

import io.lockd.paxos.PeerProgress;
import io.lockd.paxos.Role;
import io.lockd.paxos.Suspicion;
import java.util.List;

/**
 * One replica's view of itself, for the Status API and the CLI.
 *
 * @param lastLeaderContactAgoMillis time since the last message from the leader (-1: never)
 * @param backlog commands queued or slots in flight at this replica (when leading)
 * @param waitingProposals proposals made here that have no outcome yet
 * @param unsyncedWrites write groups handed to storage and not yet durable
 * @param divergence why this replica's state differs from the majority's (it neither serves nor
 *     votes until rebuilt), or null
 * @param suspicions the peers this replica distrusts now, and why
 * @param rebuilds how often its state was replaced by a healthy peer's since it started
 * @param stateChecksum the checksum of its state at {@code appliedIndex} if it has taken it there
 *     (every few thousand slots and after a moment without writes), else 0
 */
public record ReplicaStatus(
    int id,
    Role role,
    long ballot,
    long promised,
    int leaderHint,
    long chosenIndex,
    long appliedIndex,
    long snapshotIndex,
    long leaseRemainingMillis,
    long lastLeaderContactAgoMillis,
    int backlog,
    int waitingProposals,
    List<PeerProgress> peers,
    long unsyncedWrites,
    String divergence,
    List<Suspicion> suspicions,
    long rebuilds,
    long stateChecksum) {}
