package io.lockd.server;

/**
 * The leader's wall clock in milliseconds since the Unix epoch. The server stamps it on every
 * command it proposes (the namespace's only notion of time); production reads the host's clock, the
 * simulation supplies its own. Session leases are not timed by it but by the replica's monotonic
 * clock (see {@link ServedReplica#nowMillis}).
 */
@FunctionalInterface
public interface WallClock {
  long nowMillis();

  /** The host's wall clock. */
  static WallClock system() {
    return System::currentTimeMillis;
  }
}
