package io.lockd.namespace;

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
    long slot, long appliedIndex, long clockMillis, long checksum, byte[] snapshot) {

  static NamespaceImage of(NamespaceState state) {
    byte[] bytes = SnapshotCodec.write(state);
    return new NamespaceImage(
        state.lastSlot, state.appliedIndex, state.clockMillis, Checksums.state(bytes), bytes);
  }
}
