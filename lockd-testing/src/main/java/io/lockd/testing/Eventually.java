package io.lockd.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits for conditions that other threads make true. Never a timing assertion. */
public final class Eventually {
  /** The default bound: long enough for a loaded machine, short enough to fail a stuck test. */
  public static final Duration BOUND = Duration.ofSeconds(20);

  private Eventually() {}

  /** Waits until {@code condition} holds, at most {@link #BOUND}; throws AssertionError if not. */
  public static void await(String what, BooleanSupplier condition) {
    await(what, condition, BOUND);
  }

  /** Waits until {@code condition} holds, at most {@code bound}; throws AssertionError if not. */
  public static void await(String what, BooleanSupplier condition, Duration bound) {
    long end = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not true within " + bound.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what);
      }
    }
  }
}
