package io.lockd.replica;

import io.lockd.paxos.Command;
import io.lockd.paxos.LargeArrays;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

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

  /**
   * The state now, copied so that it can be encoded later on another thread while this one goes on
   * applying commands: {@code capture().encode()} gives what {@link #snapshot} gave at the time of
   * the capture. Runs on the replica's thread and should cost far less than {@link #snapshot}; the
   * default encodes at once, for state machines too small to care.
   */
  default Image capture() {
    byte[] state = snapshot();
    return () -> state;
  }

  /**
   * A captured state ({@link #capture}). A large state may be copied in steps: the replica calls
   * {@link #copyMore} on its own thread, between the commands it applies, until it returns true;
   * only then does {@link #encode} run, once, on any one thread.
   */
  @FunctionalInterface
  interface Image {
    byte[] encode();

    /** Copies more of the state as it was at the capture; true once the copy is whole. */
    default boolean copyMore() {
      return true;
    }

    /**
     * {@code prefix} followed by {@link #encode}'s bytes. A large state's encoder writes them into
     * blocks of its own and never joins them: every array the size of the state is another
     * allocation whose zeroing holds the whole JVM away from its next safepoint, and at a gigabyte
     * of state a second such array does not fit the heap.
     */
    default SnapshotBytes encodeAfter(byte[] prefix) {
      SnapshotSink sink = SnapshotSink.inMemory();
      encodeTo(prefix, sink);
      return sink.finish();
    }

    /**
     * Writes {@code prefix} and then {@link #encode}'s bytes into {@code sink}, without finishing
     * it. A large state's encoder hands over each block as it fills, so that a sink writing to a
     * file keeps no more than a block of the encoding in the heap.
     */
    default void encodeTo(byte[] prefix, SnapshotSink sink) {
      if (prefix.length > 0) {
        sink.write(prefix.clone(), prefix.length);
      }
      byte[] state = encode();
      sink.write(state, state.length);
    }
  }

  /** Replaces the whole state with a snapshot taken by {@link #snapshot}. */
  void restore(byte[] snapshot);

  /**
   * {@link #restore(byte[])} from bytes wherever they are; a large state machine reads them as a
   * stream instead of the one array this default makes.
   */
  default void restore(SnapshotBytes snapshot) {
    restore(snapshot.toArray());
  }

  /**
   * Whether {@link #restore} would accept {@code snapshot}, leaving the state as it is. A snapshot
   * from a peer is checked before anything is replaced with it (and stored).
   */
  default boolean readable(byte[] snapshot) {
    return true;
  }

  /** {@link #readable(byte[])} of bytes wherever they are (see {@link #restore(SnapshotBytes)}). */
  default boolean readable(SnapshotBytes snapshot) {
    return readable(snapshot.toArray());
  }

  /**
   * The checksum replicas compare (at equal applied indexes, to find one that diverged) of a
   * snapshot's bytes: equal states give equal checksums on every replica, since they encode to the
   * same bytes. CRC32C in the high half and CRC32 in the low half of the bytes. Two independent
   * polynomials make an accidental match of different states far less likely than one 32-bit CRC
   * would; this compares replicas, it is not a defence against forgery.
   */
  static long checksumOf(byte[] state) {
    return checksumOf(state, 0, state.length);
  }

  /** {@link #checksumOf(byte[])} of the {@code length} bytes at {@code offset}. */
  static long checksumOf(byte[] bytes, int offset, int length) {
    CRC32C high = new CRC32C();
    LargeArrays.update(high, bytes, offset, length);
    CRC32 low = new CRC32();
    LargeArrays.update(low, bytes, offset, length);
    return (high.getValue() << 32) | low.getValue();
  }

  /**
   * Passes an encoding on to where it is kept (if anywhere) and takes, on the way, its size and the
   * state's checksum ({@link #checksumOf(byte[])}) over the bytes after a prefix: the checksum of a
   * gigabyte of state is then computed from the blocks as they go by, never read back, and an
   * encoding made only for its checksum keeps no bytes at all.
   */
  final class ChecksummingSink implements SnapshotSink {
    private final SnapshotSink target;
    private final boolean checksum;
    private final CRC32C high = new CRC32C();
    private final CRC32 low = new CRC32();
    private long prefixLeft;
    private long size;

    /**
     * @param target where the bytes go, or null to keep none
     * @param prefixBytes how many leading bytes are not the state's (left out of the checksum)
     * @param checksum whether to compute the checksum at all
     */
    public ChecksummingSink(SnapshotSink target, int prefixBytes, boolean checksum) {
      this.target = target;
      this.prefixLeft = prefixBytes;
      this.checksum = checksum;
    }

    @Override
    public void write(byte[] block, int length) {
      size += length;
      int skipped = (int) Math.min(prefixLeft, length);
      prefixLeft -= skipped;
      if (checksum) {
        LargeArrays.update(high, block, skipped, length - skipped);
        LargeArrays.update(low, block, skipped, length - skipped);
      }
      if (target != null) {
        target.write(block, length);
      }
    }

    /** The bytes as the target keeps them; null if none are kept. */
    @Override
    public SnapshotBytes finish() {
      return target == null ? null : target.finish();
    }

    @Override
    public void abandon() {
      if (target != null) {
        target.abandon();
      }
    }

    /** Every byte written, prefix included. */
    public long size() {
      return size;
    }

    /** The state's checksum, as {@link #checksumOf(byte[])} computes it. */
    public long checksum() {
      return (high.getValue() << 32) | low.getValue();
    }
  }
}
