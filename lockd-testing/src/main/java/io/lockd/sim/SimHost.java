package io.lockd.sim;

import io.lockd.replica.Replica;
import io.lockd.replica.ReplicaListener;
import io.lockd.replica.ReplicaLoop;
import io.lockd.replica.StateMachine;

/**
 * What a simulated replica process runs on top of the driver: the state machine, and optionally the
 * server layer that reacts to ticks and applied commands. A new host is made at every start, as a
 * restarted process starts with empty memory.
 */
public interface SimHost {
  StateMachine stateMachine();

  /** Called once the replica exists (the server layer wraps it). */
  default void attach(Replica replica) {}

  /**
   * The server layer's periodic work, run on the replica's ticks when due, as production's loop
   * runs it ({@link ReplicaLoop#setDuty}).
   */
  default ReplicaLoop.Duty duty() {
    return ReplicaLoop.Duty.NONE;
  }

  /** Receives the replica's notifications (for example, commands applied). */
  default ReplicaListener listener() {
    return ReplicaListener.NONE;
  }
}
