package io.lockd.client;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits for conditions that other threads make true (lockd-testing's, by its old name). */
final class Eventually {
  static final Duration BOUND = io.lockd.testing.Eventually.BOUND;

  private Eventually() {}

  static void await(String what, BooleanSupplier condition) {
    io.lockd.testing.Eventually.await(what, condition);
  }

  static void await(String what, BooleanSupplier condition, Duration bound) {
    io.lockd.testing.Eventually.await(what, condition, bound);
  }
}
