package io.lockd.server.grpc;

import io.lockd.paxos.PeerProgress;
import io.lockd.paxos.Role;
import io.lockd.paxos.Suspicion;
import io.lockd.proto.v1.DistrustedPeer;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.server.LocalStatus;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds Cluster.Status answers. The answering replica knows itself exactly; of its peers it knows
 * what consensus tells it (a leader: each peer's chosen index and last contact; a follower: when it
 * last heard from the leader). {@link ClusterService} then asks each peer for its own entry and
 * {@link #merge}s the answers over this view; a peer that does not answer in time keeps its entry
 * from this view, or is marked UNREACHABLE if this view knows nothing of it either.
 */
final class StatusView {
  private final Map<Integer, String> clientAddresses;
  private final long unreachableAfterMillis;
  private final boolean tls;

  /**
   * @param tls whether this replica's ports serve TLS (its own entry says so)
   */
  StatusView(Map<Integer, String> clientAddresses, long unreachableAfterMillis, boolean tls) {
    this.clientAddresses = new TreeMap<>(clientAddresses);
    this.unreachableAfterMillis = unreachableAfterMillis;
    this.tls = tls;
  }

  /** The answering replica's own entry only. */
  StatusResponse self(LocalStatus local) {
    io.lockd.replica.ReplicaStatus r = local.replica();
    return StatusResponse.newBuilder()
        .addReplicas(selfEntry(local))
        .setLeaderId(leaderId(r))
        .setResponderId(r.id())
        .build();
  }

  /**
   * Every member as this replica sees it, by id: those of {@code members} (its newest
   * configuration, client addresses by id), and itself.
   */
  TreeMap<Integer, ReplicaStatus.Builder> local(LocalStatus local, Map<Integer, String> members) {
    io.lockd.replica.ReplicaStatus r = local.replica();
    TreeMap<Integer, ReplicaStatus.Builder> out = new TreeMap<>();
    for (Map.Entry<Integer, String> m : members.entrySet()) {
      out.put(m.getKey(), ReplicaStatus.newBuilder().setId(m.getKey()).setAddress(m.getValue()));
    }
    out.put(r.id(), selfEntry(local).toBuilder());
    for (PeerProgress p : r.peers()) {
      long ago = Math.max(0, local.nowMillis() - p.lastContactAt());
      ReplicaStatus.Builder b = out.get(p.replicaId());
      if (b != null && p.replicaId() != r.id()) { // the leader's progress list includes itself
        b.setRole(
                ago <= unreachableAfterMillis
                    ? ReplicaRole.REPLICA_ROLE_FOLLOWER
                    : ReplicaRole.REPLICA_ROLE_UNREACHABLE)
            .setChosenSlot(p.chosenIndex())
            .setLastContactMillis(ago);
      }
    }
    ReplicaStatus.Builder leader = out.get(r.leaderHint());
    if (r.role() != Role.LEADER && leader != null && r.lastLeaderContactAgoMillis() >= 0) {
      leader
          .setRole(ReplicaRole.REPLICA_ROLE_LEADER)
          .setLastContactMillis(r.lastLeaderContactAgoMillis());
    }
    return out;
  }

  /**
   * Lays each peer's own entry over the local view (keeping the local last-contact time, which is
   * this replica's observation), marks members nobody could describe UNREACHABLE, and computes
   * every lag against the leader's chosen slot.
   */
  StatusResponse merge(
      LocalStatus local,
      TreeMap<Integer, ReplicaStatus.Builder> view,
      Map<Integer, ReplicaStatus> fetched,
      java.util.List<io.lockd.proto.v1.Member> members) {
    io.lockd.replica.ReplicaStatus r = local.replica();
    for (Map.Entry<Integer, ReplicaStatus> e : fetched.entrySet()) {
      ReplicaStatus.Builder b = view.get(e.getKey());
      if (b != null) {
        long contact = b.getLastContactMillis();
        String address = b.getAddress();
        b.mergeFrom(e.getValue()).setLastContactMillis(contact).setAddress(address);
      }
    }
    long leaderChosen = 0;
    for (ReplicaStatus.Builder b : view.values()) {
      if (b.getRole() == ReplicaRole.REPLICA_ROLE_UNSPECIFIED) {
        b.setRole(ReplicaRole.REPLICA_ROLE_UNREACHABLE);
      }
      leaderChosen = Math.max(leaderChosen, b.getChosenSlot());
    }
    StatusResponse.Builder out =
        StatusResponse.newBuilder()
            .setLeaderId(leaderId(r))
            .setResponderId(r.id())
            .addAllMembers(members);
    for (ReplicaStatus.Builder b : view.values()) {
      long progress = b.getAppliedSlot() > 0 ? b.getAppliedSlot() : b.getChosenSlot();
      out.addReplicas(b.setLagSlots(Math.max(0, leaderChosen - progress)));
    }
    return out.build();
  }

  private ReplicaStatus selfEntry(LocalStatus local) {
    io.lockd.replica.ReplicaStatus r = local.replica();
    ReplicaStatus.Builder b = ReplicaStatus.newBuilder();
    for (Suspicion s : r.suspicions()) {
      b.addDistrusts(DistrustedPeer.newBuilder().setId(s.peer()).setReason(s.reason()));
    }
    return b.setId(r.id())
        .setAddress(clientAddresses.getOrDefault(r.id(), ""))
        .setRole(role(r.role()))
        .setBallot(r.ballot())
        .setChosenSlot(r.chosenIndex())
        .setAppliedSlot(r.appliedIndex())
        .setLeaseRemainingMillis(Math.max(0, r.leaseRemainingMillis()))
        .setStateChecksum(local.stateChecksum())
        .setDivergence(r.divergence() == null ? "" : r.divergence())
        .setTls(tls)
        .build();
  }

  private static int leaderId(io.lockd.replica.ReplicaStatus r) {
    return Math.max(0, r.leaderHint());
  }

  private static ReplicaRole role(Role role) {
    return switch (role) {
      case LEADER -> ReplicaRole.REPLICA_ROLE_LEADER;
      case CANDIDATE -> ReplicaRole.REPLICA_ROLE_CANDIDATE;
      case FOLLOWER -> ReplicaRole.REPLICA_ROLE_FOLLOWER;
    };
  }
}
