package io.lockd.sim;

/** A checker found the system broke one of its guarantees. */
public final class Violation extends RuntimeException {
  public Violation(String message) {
    super(message);
  }
}
