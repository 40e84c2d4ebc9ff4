package io.lockd.replica;

/**
 * How far apart a replica encodes its whole state, for a checksum and for a snapshot. An encoding
 * costs in proportion to the state's size; at a fixed spacing a large state is encoded so often
 * that the encodings crowd out everything else. With a million nodes (a state of about 100 MB) and
 * the old fixed 10,000 slots, all five replicas encoded, copied and wrote that state every 20
 * seconds or so, at the same moment, and the leader lost its lease at nearly every snapshot
 * (docs/benchmarks.md, "Scale"). So the spacing grows with the state, which keeps the encoding work
 * per applied slot or log byte bounded whatever the state's size. Small states keep the configured
 * spacing.
 */
final class CaptureSpacing {
  /** Bytes of state per slot of spacing: a 100 MB state is encoded about every 400,000 slots. */
  static final long STATE_BYTES_PER_SLOT = 256;

  private CaptureSpacing() {}

  /**
   * The checksum spacing: {@code base} times the smallest power of two that gives at least one slot
   * per {@link #STATE_BYTES_PER_SLOT} bytes of {@code stateBytes}. Checksums are compared across
   * replicas at equal slots, so they are taken at multiples of the spacing; powers of two keep
   * replicas that know slightly different sizes (one that restarted, one that has not encoded
   * since) meeting at the multiples of the larger spacing.
   */
  static long checksumSlots(long base, long stateBytes) {
    long needed = stateBytes / STATE_BYTES_PER_SLOT;
    long spacing = base;
    while (spacing < needed && spacing <= Long.MAX_VALUE / 4) {
      spacing <<= 1;
    }
    return spacing;
  }

  /**
   * The log, in bytes of commands, past which a snapshot is due however few slots it spans. Slots
   * bound the log only while commands are small: 10,000 slots of batched 4 KiB creations held 430
   * MB of log beside a 430 MB state, on every replica, before the first snapshot (scale run,
   * 2026-12-07), and a 3 GB heap ran out.
   */
  static final long LOG_BYTES_FLOOR = 32L << 20;

  /**
   * Whether a snapshot is due, {@code slots} applied slots and {@code logBytes} bytes of commands
   * after the last one. For a small state, after {@code base} slots, or once the log reaches {@link
   * #LOG_BYTES_FLOOR}; for a larger state once the log since the last snapshot has grown to half
   * the state's size (or the floor, if more), so that a snapshot's encoding is paid for by at least
   * as many log bytes as half of what it encodes, and the log kept in memory and on disk stays
   * under about half the state (a bound in slots would let a log of large commands grow many times
   * the state). That threshold is 0–40 % higher depending on the replica's id, so that the replicas
   * do not all encode and write a large snapshot at the same moment (ZooKeeper randomises its
   * snapCount per server for the same reason); snapshots, unlike checksums, need no common slot.
   */
  static boolean snapshotDue(long base, long stateBytes, int selfId, long slots, long logBytes) {
    // The stagger applies to the floor too: unstaggered, every replica of a growing namespace
    // encoded at the same slot each 32 MiB of log, and a leader lost its lease (2026-12-07 07:47).
    long threshold = Math.max(LOG_BYTES_FLOOR, stateBytes / 2);
    long bytesDue = threshold + threshold / 10 * Math.floorMod(selfId, 5);
    if (logBytes >= bytesDue) {
      return true;
    }
    return slots >= base
        && checksumSlots(base, stateBytes) == base; // small: the configured spacing
  }
}
