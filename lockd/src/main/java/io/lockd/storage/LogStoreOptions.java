package io.lockd.storage;

import io.lockd.invariant.Invariants;

/**
 * Settings of a {@link LogAcceptorStore}. The defaults suit production; tests use small segments
 * and thresholds so that rolls and checkpoints happen often.
 *
 * @param segmentBytes size of a preallocated log segment (a group larger than this gets a segment
 *     of its own)
 * @param checkpointLogBytes log bytes written since the last checkpoint that trigger the next one
 *     (a snapshot also triggers one)
 * @param checkpointRetryMillis wait after a failed checkpoint before it is tried again
 */
public record LogStoreOptions(
    long segmentBytes, long checkpointLogBytes, long checkpointRetryMillis) {
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  public static final long DEFAULT_CHECKPOINT_LOG_BYTES = 64L << 20;
  public static final long DEFAULT_CHECKPOINT_RETRY_MILLIS = 10_000;

  /** Segments are read through one memory map, so they stay well below 2 GiB. */
  public static final long MAX_SEGMENT_BYTES = 1L << 30;

  public LogStoreOptions {
    Invariants.check(
        segmentBytes >= 4096 && segmentBytes <= MAX_SEGMENT_BYTES && segmentBytes % 512 == 0,
        "segment size must be a multiple of 512 from 4 KiB to 1 GiB, was %d",
        segmentBytes);
    Invariants.check(checkpointLogBytes > 0, "checkpoint threshold must be positive");
    Invariants.check(checkpointRetryMillis > 0, "checkpoint retry wait must be positive");
  }

  public static LogStoreOptions defaults() {
    return new LogStoreOptions(
        DEFAULT_SEGMENT_BYTES, DEFAULT_CHECKPOINT_LOG_BYTES, DEFAULT_CHECKPOINT_RETRY_MILLIS);
  }

  public LogStoreOptions withSegmentBytes(long bytes) {
    return new LogStoreOptions(bytes, checkpointLogBytes, checkpointRetryMillis);
  }

  public LogStoreOptions withCheckpointLogBytes(long bytes) {
    return new LogStoreOptions(segmentBytes, bytes, checkpointRetryMillis);
  }

  public LogStoreOptions withCheckpointRetryMillis(long millis) {
    return new LogStoreOptions(segmentBytes, checkpointLogBytes, millis);
  }
}
