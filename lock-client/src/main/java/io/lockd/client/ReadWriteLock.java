package io.lockd.client;

/**
 * A reader-writer lock on one node: any number of readers ({@link #readLock}, SHARED) or one writer
 * ({@link #writeLock}, EXCLUSIVE). The cell queues requests in FIFO order, so a reader that arrives
 * behind a waiting writer waits for it: writers do not starve. Every grant has its own sequencer;
 * resources that the lock protects should check it (a {@link FencingGuard} orders readers against
 * writers).
 *
 * <p>Not re-entrant and no upgrade or downgrade: one session cannot hold both the read and the
 * write side of the same node; release one before taking the other.
 *
 * <pre>{@code
 * ReadWriteLock rw = new ReadWriteLock(client, "/catalog/schema");
 * try (DistributedLock r = rw.readLock()) {
 *   if (r.acquire(Duration.ofSeconds(5))) {
 *     catalog.read(r.sequencer());
 *   }
 * }
 * }</pre>
 */
public final class ReadWriteLock {
  private final LockClient client;
  private final String path;

  /** The reader-writer lock of the node at {@code path} (which must exist when acquired). */
  public ReadWriteLock(LockClient client, String path) {
    this.client = client;
    this.path = Paths.check(path);
  }

  public String path() {
    return path;
  }

  /** A new shared (reader) lock on the node. */
  public DistributedLock readLock() {
    return client.lock(path, LockMode.SHARED);
  }

  /** A new shared (reader) lock that reports its loss to {@code listener}. */
  public DistributedLock readLock(LockListener listener) {
    return client.lock(path, LockMode.SHARED, listener);
  }

  /** A new exclusive (writer) lock on the node. */
  public DistributedLock writeLock() {
    return client.lock(path, LockMode.EXCLUSIVE);
  }

  /** A new exclusive (writer) lock that reports its loss to {@code listener}. */
  public DistributedLock writeLock(LockListener listener) {
    return client.lock(path, LockMode.EXCLUSIVE, listener);
  }
}
