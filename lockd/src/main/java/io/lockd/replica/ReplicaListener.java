package io.lockd.replica;

import io.lockd.paxos.Role;

/** Notifications from the replica's thread, for logs, metrics and the server layer. */
public interface ReplicaListener {
  ReplicaListener NONE = new ReplicaListener() {};

  /** This replica's role changed (one call per change). */
  default void roleChanged(Role from, Role to, long ballot, int leaderHint) {}

  /** A snapshot at {@code index} of {@code bytes} bytes was taken here or installed from a peer. */
  default void snapshot(long index, int bytes, boolean installed) {}

  /** Slots up to {@code appliedIndex} have been applied. */
  default void applied(long appliedIndex) {}
}
