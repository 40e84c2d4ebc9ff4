package io.lockd.client;

/**
 * How a lock is held: by one holder ({@link #EXCLUSIVE}, a writer) or by any number of holders
 * ({@link #SHARED}, readers) while no exclusive holder exists. Waiters are served in FIFO order, so
 * a shared request queued behind an exclusive one waits for it.
 *
 * <pre>{@code
 * DistributedLock readers = client.lock("/db/schema", LockMode.SHARED);
 * }</pre>
 */
public enum LockMode {
  EXCLUSIVE,
  SHARED;

  io.lockd.proto.v1.LockMode toProto() {
    return this == EXCLUSIVE
        ? io.lockd.proto.v1.LockMode.LOCK_MODE_EXCLUSIVE
        : io.lockd.proto.v1.LockMode.LOCK_MODE_SHARED;
  }

  /** The client mode of a wire mode; null for LOCK_MODE_UNSPECIFIED (free). */
  static LockMode fromProto(io.lockd.proto.v1.LockMode mode) {
    return switch (mode) {
      case LOCK_MODE_EXCLUSIVE -> EXCLUSIVE;
      case LOCK_MODE_SHARED -> SHARED;
      default -> null;
    };
  }
}
