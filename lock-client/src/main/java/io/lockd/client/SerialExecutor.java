package io.lockd.client;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's callbacks, one at a time in the order given, on a pool of threads that many clients
 * share: so a client's listeners and futures keep the order its loop decided without the client
 * owning a thread. At most {@link #BATCH} callbacks run per turn, so that a busy client does not
 * keep the pool's threads from the others.
 *
 * <p>{@link #shutdown} refuses new callbacks but runs those already queued; {@link
 * #awaitTermination} waits until they have run.
 */
final class SerialExecutor implements Executor {
  static final int BATCH = 64;

  private final Executor pool;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Runnable drain = this::drain;
  private final CountDownLatch drained = new CountDownLatch(1);
  private volatile boolean shutdown;
  private volatile Thread runner;

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable callback) {
    if (shutdown) {
      throw new RejectedExecutionException("the client's callbacks are shut down");
    }
    queue.add(callback);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        pool.execute(drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
        throw e;
      }
    }
  }

  private void drain() {
    runner = Thread.currentThread();
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable r = queue.poll();
        if (r == null) {
          break;
        }
        r.run();
        Thread.interrupted(); // an interrupt meant for one callback must not reach the next
      }
    } finally {
      runner = null;
      scheduled.set(false);
      // A callback queued after the last poll, while `scheduled` was still set, is ours to run.
      if (!queue.isEmpty()) {
        schedule();
      }
    }
  }

  /** Refuses new callbacks; those queued still run, then {@link #awaitTermination} returns. */
  void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    queue.add(drained::countDown);
    try {
      schedule();
    } catch (RejectedExecutionException e) {
      drained.countDown(); // the pool is gone: nothing queued can run any more
    }
  }

  /** Waits until every callback queued before {@link #shutdown} has run; true if they did. */
  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return drained.await(timeout, unit);
  }

  /** Interrupts the callback running now, if any (one that would not end). */
  void interruptRunning() {
    Thread t = runner;
    if (t != null) {
      t.interrupt();
    }
  }
}
