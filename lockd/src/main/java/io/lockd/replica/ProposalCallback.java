package io.lockd.replica;

/** How a proposal's caller learns its outcome. Called on the replica's own thread. */
public interface ProposalCallback {
  /** The command was chosen and applied; {@code result} is what the state machine returned. */
  void applied(long slot, byte[] result);

  /** The command was not (or may not have been) applied; see {@link ProposalFailure}. */
  void failed(ProposalFailure failure, int leaderHint);
}
