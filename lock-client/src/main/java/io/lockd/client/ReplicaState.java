package io.lockd.client;

import io.lockd.proto.v1.ReplicaStatus;
import java.time.Duration;
import java.util.List;

/**
 * One replica of a cell as the replica that answered a {@link AdminClient#cellStatus} knows it: its
 * role, the ballot it follows, how far its log goes, how far it is behind, and whether it agrees
 * with the majority.
 *
 * <pre>{@code
 * for (ReplicaState r : admin.cellStatus().replicas()) {
 *   if (r.role() == ReplicaState.Role.UNREACHABLE || r.lagSlots() > 1000) {
 *     alert("replica " + r.id() + " at " + r.address() + " is behind");
 *   }
 * }
 * }</pre>
 *
 * @param id the replica's configured id
 * @param address its client address (host:port)
 * @param role its role as last known
 * @param ballot the highest ballot it promised or leads with (round and replica id packed in a
 *     long)
 * @param chosenSlot the highest log slot it knows to be chosen
 * @param appliedSlot the highest log slot it has applied
 * @param lagSlots how many slots it is behind the leader's chosen slot
 * @param leaseRemaining the leader's lease left, as seen by the answering replica (zero if none)
 * @param lastContact time since the answering replica last heard from it (zero for itself)
 * @param stateChecksum the checksum of its namespace state at {@code appliedSlot} (0 if unknown)
 * @param divergence non-empty while its state differs from the majority's at the same slot: where
 * @param distrusts the replicas it distrusts now, and why
 * @param tls whether its ports serve TLS, as it reports itself; false from a reachable replica
 *     means its ports are plaintext and unauthenticated (false also when it could not be asked)
 */
public record ReplicaState(
    int id,
    String address,
    Role role,
    long ballot,
    long chosenSlot,
    long appliedSlot,
    long lagSlots,
    Duration leaseRemaining,
    Duration lastContact,
    long stateChecksum,
    String divergence,
    List<Distrust> distrusts,
    boolean tls) {

  public ReplicaState {
    distrusts = List.copyOf(distrusts);
  }

  /**
   * A replica's role as last known.
   *
   * <pre>{@code
   * long unreachable = status.replicas().stream().filter(r -> r.role() == ReplicaState.Role.UNREACHABLE).count();
   * }</pre>
   */
  public enum Role {
    /** Holds (or is establishing) leadership and its lease. */
    LEADER,
    /** Follows a leader. */
    FOLLOWER,
    /** Runs an election. */
    CANDIDATE,
    /** Not heard from recently. */
    UNREACHABLE,
    /** The answering replica did not say (or said something this client does not know). */
    UNKNOWN
  }

  /**
   * A replica that this one distrusts: it contradicted a value known to be chosen, or reported a
   * state checksum that differs from the majority's.
   *
   * <pre>{@code
   * r.distrusts().forEach(d -> log.warn("{} distrusts {}: {}", r.id(), d.id(), d.reason()));
   * }</pre>
   *
   * @param id the distrusted replica's id
   * @param reason what it did
   */
  public record Distrust(int id, String reason) {}

  static ReplicaState fromProto(ReplicaStatus r) {
    return new ReplicaState(
        r.getId(),
        r.getAddress(),
        switch (r.getRole()) {
          case REPLICA_ROLE_LEADER -> Role.LEADER;
          case REPLICA_ROLE_FOLLOWER -> Role.FOLLOWER;
          case REPLICA_ROLE_CANDIDATE -> Role.CANDIDATE;
          case REPLICA_ROLE_UNREACHABLE -> Role.UNREACHABLE;
          default -> Role.UNKNOWN;
        },
        r.getBallot(),
        r.getChosenSlot(),
        r.getAppliedSlot(),
        r.getLagSlots(),
        Duration.ofMillis(r.getLeaseRemainingMillis()),
        Duration.ofMillis(r.getLastContactMillis()),
        r.getStateChecksum(),
        r.getDivergence(),
        r.getDistrustsList().stream().map(d -> new Distrust(d.getId(), d.getReason())).toList(),
        r.getTls());
  }
}
