package io.lockd.server;

import io.lockd.proto.ns.v1.ExpiryReason;

/**
 * Notable moments of the server's life, for logs in production and checkers in a simulation. Called
 * on the replica's thread; implementations must be quick and must not throw.
 */
public interface ServerEvents {
  ServerEvents NONE = new ServerEvents() {};

  /** This replica began serving as leader under {@code ballot}, inheriting {@code sessions}. */
  default void leadershipStarted(long ballot, int sessions, long graceMillis) {}

  /** This replica stopped serving as leader; {@code leaderHint} is the new leader or -1. */
  default void leadershipEnded(long ballot, int leaderHint) {}

  /** The namespace applied a session's creation proposed here. */
  default void sessionCreated(long sessionId, long leaseMillis) {}

  /** The namespace applied a session's expiry (or forced close) proposed here. */
  default void sessionExpired(long sessionId, ExpiryReason reason) {}

  /** The namespace applied a clean close proposed here. */
  default void sessionClosed(long sessionId) {}
}
