package io.lockd.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;

/**
 * Stamps commands with leader time, proposes them and decodes their outcome. The only place the
 * server writes the log.
 *
 * <p>An outcome that throws is a bug in the server core, and it is not caught here: the command is
 * applied on every replica by then, and the server's own bookkeeping of it (sessions it times,
 * caches it waits for) may be half done. The exception stops the replica (ReplicaLoop's fail-stop;
 * in a simulation, a crash that fails the run) rather than leave it serving from a state nobody can
 * vouch for.
 */
final class Proposer {
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
    replica.propose(
        command.build().toByteArray(),
        new ProposalCallback() {
          @Override
          public void applied(long slot, byte[] result) {
            outcome.applied(decode(result));
          }

          @Override
          public void failed(ProposalFailure failure, int leaderHint) {
            outcome.failed(error(failure, leaderHint));
          }
        });
  }

  private ServerError error(ProposalFailure failure, int leaderHint) {
    return switch (failure) {
      case NOT_LEADER -> ServerError.notLeader(replica.selfId(), leaderHint);
      case OVERLOADED ->
          new ServerError(
              ServerError.RESOURCE_EXHAUSTED,
              io.lockd.proto.v1.ErrorReason.ERROR_REASON_LIMIT_REACHED,
              "the leader's queue of proposals is full; retry later",
              ServerError.NO_HINT);
      case TIMED_OUT ->
          ServerError.outcomeUnknown(
              "replica "
                  + replica.selfId()
                  + " got no outcome in time (leadership may have moved); the request may still be"
                  + " applied: retry it with the same sequence number",
              leaderHint);
    };
  }

  /** The namespace always answers a NamespaceResult: anything else means the state is broken. */
  private static NamespaceResult decode(byte[] result) {
    try {
      return NamespaceResult.parseFrom(result);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "the namespace's answer did not decode: " + e.getMessage(), e);
    }
  }
}
