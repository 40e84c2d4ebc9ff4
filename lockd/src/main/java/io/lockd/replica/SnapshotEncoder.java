package io.lockd.replica;

import io.lockd.paxos.SnapshotSink;
import java.util.function.Consumer;

/**
 * Encodes captured states ({@link StateMachine#capture}) away from the replica's thread and hands
 * the bytes back to it. A snapshot of a large state takes seconds to encode; on the replica's
 * thread that would be seconds without heartbeats, answers or lease renewals. Production runs the
 * encodings on a thread of their own; the simulation runs them after a simulated delay, so that the
 * replica meets everything that can happen while one is under way (a restore, a crash).
 */
public interface SnapshotEncoder {

  /**
   * Runs {@code encoding} (which encodes a captured {@link StateMachine.Image} and keeps what it
   * made) and then {@code done} on the replica's thread, with true, or with false if the encoding
   * failed (the encoder reports why). Encodings complete in the order they were asked for.
   */
  void encode(Runnable encoding, Consumer<Boolean> done);

  /**
   * Where a snapshot is encoded to, and where one arriving from a peer is put: in memory unless the
   * encoder has better (production: a file of the acceptor store, so that a large state is not held
   * twice in the heap).
   */
  default SnapshotSink snapshotSink() {
    return SnapshotSink.inMemory();
  }

  /** Encodes on the caller's thread, at once: for tools and tests that have no loop. */
  SnapshotEncoder INLINE =
      (encoding, done) -> {
        encoding.run();
        done.accept(true);
      };
}
