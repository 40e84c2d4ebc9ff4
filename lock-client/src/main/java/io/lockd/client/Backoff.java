package io.lockd.client;

import java.util.random.RandomGenerator;

/**
 * Bounded exponential backoff with full jitter: the n-th wait is uniform in [min, min·2^n], capped
 * at max. The random source is injected so that tests are repeatable.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  Backoff(long minNanos, long maxNanos, RandomGenerator random) {
    if (minNanos <= 0 || maxNanos < minNanos) {
      throw new IllegalArgumentException("backoff needs 0 < min <= max");
    }
    this.minNanos = minNanos;
    this.maxNanos = maxNanos;
    this.random = random;
  }

  /** The wait before retry round {@code round} (0 for the first backoff). */
  long delayNanos(int round) {
    long ceiling = minNanos << Math.min(round, 20);
    if (ceiling <= 0 || ceiling > maxNanos) {
      ceiling = maxNanos;
    }
    return ceiling == minNanos ? minNanos : random.nextLong(minNanos, ceiling + 1);
  }

  /**
   * A wait uniform in [0, {@code boundNanos}]: spreads what many sessions would otherwise all do at
   * the same instant (reopening their KeepAlive streams when the leader moves).
   */
  long spreadNanos(long boundNanos) {
    return boundNanos <= 0 ? 0 : random.nextLong(boundNanos + 1);
  }
}
