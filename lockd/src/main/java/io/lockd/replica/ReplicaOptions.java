package io.lockd.replica;

/**
 * Driver settings that are not part of the protocol.
 *
 * @param proposalTimeoutMillis how long a proposal may wait for its outcome before its caller is
 *     told {@link ProposalFailure#TIMED_OUT}
 * @param snapshotEverySlots applied slots between state-machine snapshots (which bound the log
 *     kept in memory and on disk)
 */
public record ReplicaOptions(long proposalTimeoutMillis, long snapshotEverySlots) {
  public ReplicaOptions {
    if (proposalTimeoutMillis <= 0 || snapshotEverySlots <= 0) {
      throw new IllegalArgumentException("proposal timeout and snapshot interval must be positive");
    }
  }

  public static ReplicaOptions defaults() {
    return new ReplicaOptions(10_000, 10_000);
  }
}
