package io.lockd.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stamps commands with leader time, proposes them and decodes their outcome. The only place the
 * server writes the log.
 */
final class Proposer {
  private static final Logger log = LoggerFactory.getLogger(Proposer.class);

  /** What happened to a proposed command. Called once, on the replica's thread. */
  interface Outcome {
    /** The command was applied; {@code result} may still carry the namespace's refusal. */
    void applied(NamespaceResult result);

    /** The command was not applied here, or its outcome is unknown. */
    void failed(ServerError error);
  }

  private final ServedReplica replica;
  private final WallClock wall;

  Proposer(ServedReplica replica, WallClock wall) {
    this.replica = replica;
    this.wall = wall;
  }

  /** Sets the header's leader time to now and proposes the command. */
  void propose(NamespaceCommand.Builder command, Outcome outcome) {
    command.getHeaderBuilder().setLeaderTimeMillis(wall.nowMillis());
    replica.propose(command.build().toByteArray(), new ProposalCallback() {
      @Override
      public void applied(long slot, byte[] result) {
        NamespaceResult decoded;
        try {
          decoded = NamespaceResult.parseFrom(result);
        } catch (InvalidProtocolBufferException e) {
          failSafely(outcome, ServerError.internal("the namespace's answer did not decode"));
          return;
        }
        try {
          outcome.applied(decoded);
        } catch (RuntimeException e) {
          // An answer that cannot be delivered must not stop the replica's thread.
          log.error("replica {}: handling an applied command failed", replica.selfId(), e);
        }
      }

      @Override
      public void failed(ProposalFailure failure, int leaderHint) {
        failSafely(outcome, error(failure, leaderHint));
      }
    });
  }

  private ServerError error(ProposalFailure failure, int leaderHint) {
    return switch (failure) {
      case NOT_LEADER -> ServerError.notLeader(replica.selfId(), leaderHint);
      case OVERLOADED -> new ServerError(ServerError.RESOURCE_EXHAUSTED,
          io.lockd.proto.v1.ErrorReason.ERROR_REASON_LIMIT_REACHED,
          "the leader's queue of proposals is full; retry later", ServerError.NO_HINT);
      case TIMED_OUT -> ServerError.outcomeUnknown("replica " + replica.selfId()
          + " got no outcome in time (leadership may have moved); the request may still be"
          + " applied: retry it with the same sequence number", leaderHint);
    };
  }

  private void failSafely(Outcome outcome, ServerError error) {
    try {
      outcome.failed(error);
    } catch (RuntimeException e) {
      log.error("replica {}: handling a failed command failed", replica.selfId(), e);
    }
  }
}
