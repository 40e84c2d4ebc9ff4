package io.lockd.client;

import io.lockd.proto.v1.Member;
import java.util.List;

/**
 * One member of the cell's configuration (docs/consensus.md, "Membership change").
 *
 * @param id the replica's id
 * @param voter false for a learner: it holds the log but counts in no quorum until promoted
 * @param peerAddress where the other replicas reach it (host:port)
 * @param clientAddress where clients reach it (host:port)
 */
public record CellMember(int id, boolean voter, String peerAddress, String clientAddress) {

  static CellMember fromProto(Member m) {
    return new CellMember(m.getId(), m.getVoter(), m.getPeerAddress(), m.getClientAddress());
  }

  static List<CellMember> fromProto(List<Member> members) {
    return members.stream().map(CellMember::fromProto).toList();
  }
}
