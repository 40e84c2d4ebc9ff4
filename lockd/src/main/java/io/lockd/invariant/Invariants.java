package io.lockd.invariant;

/**
 * Invariant checks that stay on in production. Java's {@code assert} is off by default, and a
 * consensus bug that is not caught where it happens turns into silent divergence later.
 */
public final class Invariants {
  private Invariants() {}

  public static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("invariant violated: " + message);
    }
  }

  public static void check(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException("invariant violated: " + String.format(format, args));
    }
  }
}
