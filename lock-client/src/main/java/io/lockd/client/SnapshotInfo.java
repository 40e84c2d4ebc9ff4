package io.lockd.client;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What {@link AdminClient#saveSnapshot} saved.
 *
 * @param file where the backup is
 * @param cell the cell it was taken from
 * @param replicaId the replica that took it (the leader then)
 * @param slot the last log slot whose commands it holds
 * @param appliedIndex the namespace's applied command index at that slot
 * @param stateChecksum the state checksum at that slot, as {@code lockctl status} shows it
 * @param sizeBytes the size of the namespace's snapshot in it
 * @param takenAt the leader time of the latest command it holds
 */
public record SnapshotInfo(
    Path file,
    String cell,
    int replicaId,
    long slot,
    long appliedIndex,
    long stateChecksum,
    long sizeBytes,
    Instant takenAt) {}
