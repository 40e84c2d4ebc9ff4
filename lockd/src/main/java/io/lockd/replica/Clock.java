package io.lockd.replica;

/**
 * The replica's monotonic clock in milliseconds. Production reads {@code System.nanoTime}; the
 * simulation supplies a clock that drifts, jumps and stalls. Lease timing uses only this clock,
 * never the wall clock.
 */
@FunctionalInterface
public interface Clock {
  long nowMillis();

  /** The host's monotonic clock. */
  static Clock system() {
    return () -> System.nanoTime() / 1_000_000L;
  }
}
