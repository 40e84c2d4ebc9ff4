package io.lockd.server;

import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.ListMembersResponse;
import io.lockd.proto.v1.Member;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's side of membership changes (docs/consensus.md, "Membership change"): the
 * configuration as the wire shows it, and a refused change as the status a client sees.
 */
public final class MembershipAdmin {
  private static final int INVALID_ARGUMENT = 3;
  private static final int NOT_FOUND = 5;
  private static final int ALREADY_EXISTS = 6;
  private static final int FAILED_PRECONDITION = 9;

  private MembershipAdmin() {}

  static ListMembersResponse list(ServedReplica replica) {
    return ListMembersResponse.newBuilder()
        .addAllMembers(members(replica.membership()))
        .setPending(replica.membershipPending())
        .setLeader(replica.selfId())
        .build();
  }

  /** The configuration as protobuf members, with the addresses the log carries (none: empty). */
  public static List<Member> members(Membership m) {
    List<Member> out = new ArrayList<>();
    if (m == null) {
      return out;
    }
    for (Membership.Member x : m.list()) {
      out.add(
          Member.newBuilder()
              .setId(x.id())
              .setVoter(x.voter())
              .setPeerAddress(x.peerAddress())
              .setClientAddress(x.clientAddress())
              .build());
    }
    return out;
  }

  static ServerError error(MembershipChange.Refusal r, ServedReplica replica) {
    return switch (r.kind()) {
      case NOT_LEADER -> ServerError.notLeader(replica.selfId(), replica.leaderHint());
      case INVALID_ARGUMENT ->
          ServerError.of(
              INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT, "%s", r.message());
      case NOT_FOUND ->
          ServerError.of(NOT_FOUND, ErrorReason.ERROR_REASON_UNSPECIFIED, "%s", r.message());
      case ALREADY_EXISTS ->
          ServerError.of(ALREADY_EXISTS, ErrorReason.ERROR_REASON_UNSPECIFIED, "%s", r.message());
      case FAILED_PRECONDITION ->
          ServerError.of(
              FAILED_PRECONDITION, ErrorReason.ERROR_REASON_UNSPECIFIED, "%s", r.message());
    };
  }

  /** Answers the caller once the change is applied here, or with why it was not. */
  static ProposalCallback answer(ServedReplica replica, Reply<MemberChangeResponse> reply) {
    return new ProposalCallback() {
      @Override
      public void applied(long slot, byte[] result) {
        reply.ok(
            MemberChangeResponse.newBuilder()
                .setIndex(slot)
                .addAllMembers(members(replica.membership()))
                .build());
      }

      @Override
      public void failed(ProposalFailure failure, int leaderHint) {
        reply.error(
            failure == ProposalFailure.TIMED_OUT
                ? ServerError.outcomeUnknown(
                    "the membership change may still be chosen: list the members before retrying",
                    leaderHint)
                : ServerError.notLeader(replica.selfId(), leaderHint));
      }
    };
  }
}
