package io.lockd.namespace;

import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import io.lockd.replica.StateMachine;

/**
 * The whole namespace at one slot, as a backup holds it.
 *
 * @param slot the last log slot whose commands it holds
 * @param appliedIndex the applied command index then
 * @param clockMillis the state machine's clock then (the leader time of its latest command)
 * @param checksum the state checksum of {@code snapshot} (as status reports it)
 * @param snapshot the encoded state ({@link Namespace#snapshot}); {@link Namespace#restore} reads
 *     it
 */
public record NamespaceImage(
    long slot, long appliedIndex, long clockMillis, long checksum, SnapshotBytes snapshot) {

  /**
   * Begins a copy of the state now (on its thread), of {@code nodesPerStep} nodes per {@link
   * Capture#copyMore}; once whole, {@link Capture#encode} may run on any thread.
   */
  static Capture capture(NamespaceState state, int nodesPerStep) {
    return new Capture(
        state.lastSlot,
        state.appliedIndex,
        state.clockMillis,
        new NamespaceCapture(state, nodesPerStep));
  }

  /** The state copied at one slot, not encoded yet: a backup must not stall the replica's loop. */
  public static final class Capture {
    private final long slot;
    private final long appliedIndex;
    private final long clockMillis;
    private final NamespaceCapture state;

    private Capture(long slot, long appliedIndex, long clockMillis, NamespaceCapture state) {
      this.slot = slot;
      this.appliedIndex = appliedIndex;
      this.clockMillis = clockMillis;
      this.state = state;
    }

    /**
     * Copies another step of the nodes, on the state's thread between its changes; true once the
     * copy is whole (see {@link NamespaceCapture}).
     */
    public boolean copyMore() {
      return state.copyMore();
    }

    /** Encodes and checksums the whole copy: the expensive part, run once, away from the loop. */
    public NamespaceImage encode() {
      return encode(SnapshotSink.inMemory());
    }

    /** Writes the encoding into {@code sink}, without finishing it or taking its checksum. */
    public void encodeTo(SnapshotSink sink) {
      state.encodeTo(new byte[0], sink);
    }

    /**
     * The same, encoded into {@code sink} (a backup of a large state goes to a temporary file, so
     * that the serving replica's heap does not hold the state twice).
     */
    public NamespaceImage encode(SnapshotSink sink) {
      // The checksum is taken from the blocks as they go to the sink, not read back from it.
      StateMachine.ChecksummingSink checksummed = new StateMachine.ChecksummingSink(sink, 0, true);
      SnapshotBytes bytes;
      try {
        state.encodeTo(new byte[0], checksummed);
        bytes = checksummed.finish();
      } catch (RuntimeException | Error e) {
        checksummed.abandon();
        throw e;
      }
      return new NamespaceImage(slot, appliedIndex, clockMillis, checksummed.checksum(), bytes);
    }
  }
}
