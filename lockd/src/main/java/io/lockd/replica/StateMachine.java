package io.lockd.replica;

import io.lockd.paxos.Command;

/**
 * The replicated state machine the log drives. {@link #apply} must be deterministic: the same
 * commands applied in the same order from the same snapshot give the same results and the same
 * state on every replica. It must not read clocks, random sources or unordered hash iteration.
 */
public interface StateMachine {

  /**
   * Applies one chosen command and returns the answer for its caller.
   *
   * @param slot the log slot the command was chosen in (commands of a slot apply in batch order)
   */
  byte[] apply(long slot, Command command);

  /** Serializes the whole state; restore(snapshot()) must reproduce it exactly. */
  byte[] snapshot();

  /** Replaces the whole state with a snapshot taken by {@link #snapshot}. */
  void restore(byte[] snapshot);
}
