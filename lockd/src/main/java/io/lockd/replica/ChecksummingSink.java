package io.lockd.replica;

import io.lockd.paxos.LargeArrays;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Passes an encoding on to where it is kept (if anywhere) and takes, on the way, its size and the
 * state's checksum ({@link StateMachine#checksumOf}) over the bytes after a prefix: the checksum of
 * a gigabyte of state is then computed from the blocks as they go by, never read back, and an
 * encoding made only for its checksum keeps no bytes at all.
 */
public final class ChecksummingSink implements SnapshotSink {
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

  /** The state's checksum, as {@link StateMachine#checksumOf} computes it. */
  public long checksum() {
    return (high.getValue() << 32) | low.getValue();
  }
}
