package io.lockd.client;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits for conditions that other threads make true. Never a timing assertion. */
final class Eventually {
  static final Duration BOUND = Duration.ofSeconds(20);

  private Eventually() {}

  static void await(String what, BooleanSupplier condition) {
    await(what, condition, BOUND);
  }

  static void await(String what, BooleanSupplier condition, Duration bound) {
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
