package io.lockd.daemon;

import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.ServerConfig;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import picocli.CommandLine.Option;

/** Consensus and server internals that rarely need changing (each member may differ). */
final class AdvancedOptions {
  @Option(
      names = "--retransmit-ms",
      paramLabel = "MS",
      defaultValue = "" + PaxosConfig.RETRANSMIT_MILLIS,
      description =
          "How often unanswered consensus messages are resent (default: ${DEFAULT-VALUE}).")
  long retransmitMillis;

  @Option(
      names = "--max-batch-commands",
      paramLabel = "N",
      defaultValue = "" + PaxosConfig.MAX_BATCH_COMMANDS,
      description = "Most commands in one slot (default: ${DEFAULT-VALUE}).")
  int maxBatchCommands;

  @Option(
      names = "--max-batch-bytes",
      paramLabel = "BYTES",
      defaultValue = "" + PaxosConfig.MAX_BATCH_BYTES,
      description =
          "Most command bytes in one slot; a larger command gets a slot of its "
              + "own (default: ${DEFAULT-VALUE}, at most 4194304).")
  int maxBatchBytes;

  @Option(
      names = "--max-pending-commands",
      paramLabel = "N",
      defaultValue = "" + PaxosConfig.MAX_PENDING_COMMANDS,
      description =
          "Commands queued at the leader for a slot; more are refused (default: ${DEFAULT-VALUE}).")
  int maxPendingCommands;

  @Option(
      names = "--max-catch-up-entries",
      paramLabel = "N",
      defaultValue = "" + PaxosConfig.CATCH_UP_MAX_ENTRIES,
      description = "Chosen entries in one catch-up answer (default: ${DEFAULT-VALUE}).")
  int maxCatchUpEntries;

  @Option(
      names = "--snapshot-chunk-bytes",
      paramLabel = "BYTES",
      defaultValue = "" + PaxosConfig.SNAPSHOT_CHUNK_BYTES,
      description =
          "Size of one snapshot chunk sent to a lagging replica "
              + "(default: ${DEFAULT-VALUE}, at most 4194304).")
  int snapshotChunkBytes;

  @Option(
      names = "--checksum-every-slots",
      paramLabel = "SLOTS",
      defaultValue = "" + ReplicaOptions.CHECKSUM_EVERY_SLOTS,
      description =
          "Slots between state checksums compared across the cell (default: ${DEFAULT-VALUE}).")
  long checksumEverySlots;

  @Option(
      names = "--checksum-idle-ms",
      paramLabel = "MS",
      defaultValue = "" + ReplicaOptions.CHECKSUM_IDLE_MILLIS,
      description =
          "Idle time after which the state is checksummed too (default: ${DEFAULT-VALUE}).")
  long checksumIdleMillis;

  @Option(
      names = "--max-expiries-in-flight",
      paramLabel = "N",
      defaultValue = "" + ServerConfig.EXPIRIES_IN_FLIGHT_MAX,
      description = "Session expiries proposed and not yet applied (default: ${DEFAULT-VALUE}).")
  int maxExpiriesInFlight;

  @Option(
      names = "--reconcile-every-ms",
      paramLabel = "MS",
      defaultValue = "" + ServerConfig.RECONCILE_EVERY_MILLIS,
      description =
          "How often the leader compares its session deadlines with the "
              + "namespace's sessions (default: ${DEFAULT-VALUE}).")
  long reconcileEveryMillis;

  @Option(
      names = "--unreachable-after-ms",
      paramLabel = "MS",
      defaultValue = "" + ServerConfig.UNREACHABLE_AFTER_MILLIS,
      description =
          "Silence after which status calls a peer unreachable; more than the "
              + "heartbeat (default: ${DEFAULT-VALUE}).")
  long unreachableAfterMillis;

  @Option(
      names = "--status-fetch-ms",
      paramLabel = "MS",
      defaultValue = "" + LockdConfig.STATUS_FETCH_MILLIS,
      description = "Deadline for asking a peer for its status (default: ${DEFAULT-VALUE}).")
  long statusFetchMillis;

  void applyTo(LockdConfigBuilder b) {
    b.retransmitMillis(retransmitMillis);
    b.maxBatchCommands(maxBatchCommands);
    b.maxBatchBytes(maxBatchBytes);
    b.maxPendingCommands(maxPendingCommands);
    b.maxCatchUpEntries(maxCatchUpEntries);
    b.snapshotChunkBytes(snapshotChunkBytes);
    b.checksumEverySlots(checksumEverySlots);
    b.checksumIdleMillis(checksumIdleMillis);
    b.maxExpiriesInFlight(maxExpiriesInFlight);
    b.reconcileEveryMillis(reconcileEveryMillis);
    b.unreachableAfterMillis(unreachableAfterMillis);
    b.statusFetchMillis(statusFetchMillis);
  }
}
