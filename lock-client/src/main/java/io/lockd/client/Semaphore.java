package io.lockd.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A counting semaphore of {@code permits} permits shared by every client of the cell. Permit {@code
 * i} is the exclusive lock on the node {@code PATH/i}, so each permit has its own {@link Sequencer}
 * (fencing works per permit) and a holder that dies frees its permit with its session, after the
 * node's lock-delay.
 *
 * <p>Acquiring tries every permit without waiting, starting at a different permit for each session;
 * if none is free it queues for one permit and, at the same time, watches the others, so it takes
 * whichever frees first. Waiters are served FIFO per permit, not across permits. At most {@link
 * #PERMITS_MAX} permits (each waiting acquirer watches them all).
 *
 * <pre>{@code
 * Semaphore downloads = new Semaphore(client, "/limits/downloads", 4);
 * try (Semaphore.Permit p = downloads.acquire(Duration.ofMinutes(1))) {
 *   if (p != null) {
 *     fetch(url, p.sequencer());
 *   }
 * }
 * }</pre>
 */
public final class Semaphore {
  /** The largest number of permits. */
  public static final int PERMITS_MAX = 64;

  private final LockClient client;
  private final String path;
  private final int permits;
  private volatile boolean created;

  public Semaphore(LockClient client, String path, int permits) {
    if (permits < 1 || permits > PERMITS_MAX) {
      throw new IllegalArgumentException(
          "permits must be in [1, " + PERMITS_MAX + "], was " + permits);
    }
    this.client = client;
    this.path = Paths.check(path);
    this.permits = permits;
  }

  public String path() {
    return path;
  }

  public int permits() {
    return permits;
  }

  /** A held permit. Closing it releases the permit. */
  public static final class Permit implements AutoCloseable {
    private final int index;
    private final DistributedLock lock;

    Permit(int index, DistributedLock lock) {
      this.index = index;
      this.lock = lock;
    }

    /** Which permit (0 to permits - 1). */
    public int index() {
      return index;
    }

    /** The proof that this permit is held. */
    public Sequencer sequencer() {
      return lock.sequencer();
    }

    /** True while held and the session's lease is valid. */
    public boolean isHeld() {
      return lock.isHeld();
    }

    public void release() {
      lock.release();
    }

    @Override
    public void close() {
      lock.close();
    }
  }

  /** Takes a free permit if there is one; null otherwise. */
  public Permit tryAcquire() {
    ensureNodes();
    int start = startIndex();
    for (int k = 0; k < permits; k++) {
      int i = (start + k) % permits;
      DistributedLock lock = client.lock(slot(i));
      if (lock.tryAcquire()) {
        return new Permit(i, lock);
      }
    }
    return null;
  }

  /** Waits however long it takes for a permit. */
  public Permit acquire() throws InterruptedException {
    Permit p;
    do {
      p = acquire(Duration.ofHours(1));
    } while (p == null);
    return p;
  }

  /** Waits up to {@code timeout} for a permit; null if none was free in time. */
  public Permit acquire(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Permit p = tryAcquire();
    if (p != null || timeout.isZero() || timeout.isNegative()) {
      return p;
    }
    AtomicReference<CompletableFuture<Void>> freed =
        new AtomicReference<>(new CompletableFuture<>());
    List<Watch> watches = new ArrayList<>();
    try {
      for (int i = 0; i < permits; i++) {
        watches.add(
            client.watch(
                slot(i),
                WatchKind.LOCK,
                e -> {
                  if (e.type() != WatchEvent.Type.LOCK_ACQUIRED) {
                    freed.get().complete(null);
                  }
                }));
      }
      int next = startIndex();
      while (true) {
        p = tryAcquire();
        long left = deadline - System.nanoTime();
        if (p != null || left <= 0) {
          return p;
        }
        freed.set(new CompletableFuture<>());
        DistributedLock lock = client.lock(slot(next));
        CompletableFuture<Boolean> queued = lock.acquireAsync(Duration.ofNanos(left));
        if (waitEither(queued, freed.get(), left)) {
          return new Permit(next, lock);
        }
        next = (next + 1) % permits;
      }
    } finally {
      for (Watch w : watches) {
        w.close();
      }
    }
  }

  /** True if {@code queued} was granted; otherwise it is withdrawn. */
  private boolean waitEither(
      CompletableFuture<Boolean> queued, CompletableFuture<Void> freed, long leftNanos)
      throws InterruptedException {
    try {
      CompletableFuture.anyOf(queued, freed)
          .get(leftNanos + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      queued.cancel(false);
      throw e;
    } catch (ExecutionException | TimeoutException e) {
      // fall through: decide from the acquire's own outcome
    }
    if (queued.cancel(false)) {
      return false; // withdrawn, or its grant given back
    }
    // It ended before the cancel: a grant that arrived just now is ours (leaving it would hold the
    // permit's lock with no Permit for it, and the next try on that permit would fail).
    try {
      return queued.join();
    } catch (CompletionException e) {
      throw AsyncLockClient.unwrap(e); // the session's or the cell's error
    }
  }

  /** How many permits are free now (a snapshot read from the cell). */
  public int availablePermits() {
    ensureNodes();
    int free = 0;
    for (int i = 0; i < permits; i++) {
      if (client.lockInfo(slot(i)).isFree()) {
        free++;
      }
    }
    return free;
  }

  private String slot(int i) {
    return path + "/" + i;
  }

  private int startIndex() {
    return (int) Math.floorMod(client.session().id() * 0x9E3779B97F4A7C15L >>> 32, (long) permits);
  }

  private void ensureNodes() {
    if (created) {
      return;
    }
    client.mkdirs(path);
    for (int i = 0; i < permits; i++) {
      client.createUnlessExists(slot(i), CreateOptions.file());
    }
    created = true;
  }
}
