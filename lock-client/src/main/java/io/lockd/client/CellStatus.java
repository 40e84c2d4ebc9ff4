package io.lockd.client;

import io.lockd.proto.v1.StatusResponse;
import java.util.List;
import java.util.Optional;

/**
 * Every replica of the cell as one replica (the responder) knows them, and which one leads. Any
 * replica answers, so this works while the cell has no leader.
 *
 * <pre>{@code
 * CellStatus status = client.admin().cellStatus();
 * status.leader().ifPresentOrElse(
 *     l -> System.out.println("leader " + l.id() + " at " + l.address()),
 *     () -> System.out.println("no leader (asked replica " + status.responderId() + ")"));
 * }</pre>
 *
 * @param replicas every configured replica, by id
 * @param leaderId the replica the responder believes leads; 0 if it knows of none
 * @param responderId the replica that answered
 */
public record CellStatus(List<ReplicaState> replicas, int leaderId, int responderId) {

  public CellStatus {
    replicas = List.copyOf(replicas);
  }

  /** The leading replica, if the responder knows of one. */
  public Optional<ReplicaState> leader() {
    return replicas.stream().filter(r -> r.id() == leaderId && leaderId != 0).findFirst();
  }

  static CellStatus fromProto(StatusResponse s) {
    return new CellStatus(
        s.getReplicasList().stream().map(ReplicaState::fromProto).toList(),
        s.getLeaderId(),
        s.getResponderId());
  }
}
