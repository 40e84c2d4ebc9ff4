package io.lockd.server;

import io.lockd.replica.ReplicaStatus;

/**
 * One replica's view of itself at one instant, taken on its thread.
 *
 * @param replica the driver's status (role, ballot, indexes, lease, peers' progress)
 * @param nowMillis the replica's monotonic clock when taken (peers' contact times are on it)
 * @param stateChecksum the namespace's checksum at {@code replica.appliedIndex()}, 0 if not taken
 *     there yet
 * @param serving whether it answers clients now
 */
public record LocalStatus(
    ReplicaStatus replica, long nowMillis, long stateChecksum, boolean serving) {}
