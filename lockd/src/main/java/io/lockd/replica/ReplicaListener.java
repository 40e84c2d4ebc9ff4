package io.lockd.replica;

import io.lockd.paxos.Role;
import io.lockd.paxos.Suspicion;

/** Notifications from the replica's thread, for logs, metrics and the server layer. */
public interface ReplicaListener {
  ReplicaListener NONE = new ReplicaListener() {};

  /**
   * This replica's role changed (one call per change). {@code leaderSilentMillis} is how long ago
   * it last heard from a leader, or -1 if never: what a campaign was started on, for the log that
   * must explain a leader change nobody asked for.
   */
  default void roleChanged(
      Role from, Role to, long ballot, int leaderHint, long leaderSilentMillis) {}

  /** A snapshot at {@code index} of {@code bytes} bytes was taken here or installed from a peer. */
  default void snapshot(long index, long bytes, boolean installed) {}

  /** Slots up to {@code appliedIndex} have been applied. */
  default void applied(long appliedIndex) {}

  /**
   * A peer's message lay outside the protocol's ranges and was dropped before the core saw it.
   * Called for every such message: a listener that logs must limit its rate.
   */
  default void messageRefused(int from, String reason) {}

  /** This replica began to distrust a peer (one call per suspicion). */
  default void peerDistrusted(Suspicion suspicion) {}

  /** This replica trusts {@code peer} again. */
  default void peerTrusted(int peer) {}

  /**
   * This replica's state differs from the majority's ({@code reason}): it neither serves nor votes
   * until a healthy peer's snapshot replaced it ({@link #rebuilt}).
   */
  default void diverged(String reason) {}

  /** This replica's state was replaced by a healthy peer's snapshot at {@code index}. */
  default void rebuilt(long index) {}
}
