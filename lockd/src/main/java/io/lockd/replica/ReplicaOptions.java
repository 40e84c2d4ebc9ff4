package io.lockd.replica;

/**
 * Driver settings that are not part of the protocol.
 *
 * @param proposalTimeoutMillis how long a proposal may wait for its outcome before its caller is
 *     told {@link ProposalFailure#TIMED_OUT}
 * @param snapshotEverySlots applied slots between state-machine snapshots (which bound the log kept
 *     in memory and on disk)
 * @param checksumEverySlots the state is checksummed after every slot that is a multiple of this,
 *     on every replica alike, and compared across the cell (docs/consensus.md, "Divergence")
 * @param checksumIdleMillis the state is also checksummed once the applied index has not moved for
 *     this long, so that an idle cell is compared too
 */
public record ReplicaOptions(
    long proposalTimeoutMillis,
    long snapshotEverySlots,
    long checksumEverySlots,
    long checksumIdleMillis) {
  public static final long PROPOSAL_TIMEOUT_MILLIS = 10_000;
  public static final long SNAPSHOT_EVERY_SLOTS = 10_000;
  public static final long CHECKSUM_EVERY_SLOTS = 10_000;
  public static final long CHECKSUM_IDLE_MILLIS = 1_000;

  public ReplicaOptions {
    if (proposalTimeoutMillis <= 0
        || snapshotEverySlots <= 0
        || checksumEverySlots <= 0
        || checksumIdleMillis <= 0) {
      throw new IllegalArgumentException(
          "proposal timeout, snapshot and checksum intervals must be positive");
    }
  }

  /** The default checksum intervals. */
  public ReplicaOptions(long proposalTimeoutMillis, long snapshotEverySlots) {
    this(proposalTimeoutMillis, snapshotEverySlots, CHECKSUM_EVERY_SLOTS, CHECKSUM_IDLE_MILLIS);
  }

  public static ReplicaOptions defaults() {
    return new ReplicaOptions(PROPOSAL_TIMEOUT_MILLIS, SNAPSHOT_EVERY_SLOTS);
  }
}
