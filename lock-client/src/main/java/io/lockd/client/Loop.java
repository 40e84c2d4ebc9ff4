package io.lockd.client;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's single internal thread. Every piece of mutable protocol state (the leader router,
 * the session, its mutation lane, lock and watch tables) is touched only by tasks on this thread,
 * so none of it needs locks. gRPC delivers its callbacks here too (the channels use it as their
 * executor). Tasks must never block; user code never runs here (see {@link Dispatcher}).
 */
final class Loop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(Loop.class);

  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread thread;

  Loop(String name) {
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          thread = t;
          return t;
        };
    executor = new ScheduledThreadPoolExecutor(1, factory);
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public void execute(Runnable task) {
    try {
      executor.execute(() -> runGuarded(task));
    } catch (RejectedExecutionException e) {
      log.debug("loop is shut down; dropped a task");
    }
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  void checkInLoop() {
    if (!inLoop()) {
      throw new IllegalStateException("must run on the client loop, not " + Thread.currentThread());
    }
  }

  /** A clock on System.nanoTime whose timers run on this loop. */
  ClientClock systemClock() {
    return new ClientClock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Cancellable schedule(long delayNanos, Runnable task) {
        try {
          ScheduledFuture<?> f =
              executor.schedule(() -> runGuarded(task), delayNanos, TimeUnit.NANOSECONDS);
          return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
          return Cancellable.NONE;
        }
      }
    };
  }

  void shutdown() {
    executor.shutdown();
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return executor.awaitTermination(timeout, unit);
  }

  void shutdownNow() {
    executor.shutdownNow();
  }

  private static void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      // A bug in the client's own code: log it loudly but keep the loop alive for the others.
      log.error("lockd client loop task failed", e);
    }
  }
}
