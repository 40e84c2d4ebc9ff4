package io.lockd.sim;

/** A checker found the system broke one of its guarantees. */
final class Violation extends RuntimeException {
  Violation(String message) {
    super(message);
  }
}
