package io.lockd.client;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's single internal thread. Every piece of mutable protocol state (the leader router,
 * the session, its mutation lane, lock and watch tables) is touched only by tasks on this thread,
 * so none of it needs locks. gRPC delivers its callbacks here too (the channels use it as their
 * executor). Tasks must never block; user code never runs here (see {@link Dispatcher}).
 *
 * <p>Tests only: {@link #Loop(Executor, Consumer)} runs the tasks on an executor supplied from
 * outside (a deterministic simulation's event queue) instead of a thread of its own.
 */
final class Loop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(Loop.class);

  private final ScheduledThreadPoolExecutor executor; // null when tasks run on an outside executor
  private final Executor tasks;
  private final Consumer<Throwable> failures;
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
    tasks = executor;
    failures = t -> {};
  }

  /**
   * Tests only: a loop whose tasks run on {@code tasks}, which must run them one at a time in the
   * order given (a simulation's single-threaded event queue). It starts no thread, so {@link
   * #systemClock} is unavailable (supply a clock) and shutting down stops nothing. A task that
   * throws is logged as on the production loop and also passed to {@code failures}.
   */
  Loop(Executor tasks, Consumer<Throwable> failures) {
    this.executor = null;
    this.tasks = tasks;
    this.failures = failures;
  }

  @Override
  public void execute(Runnable task) {
    try {
      tasks.execute(() -> runGuarded(task));
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
    if (executor == null) {
      throw new IllegalStateException("a loop on an outside executor has no system clock");
    }
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
    if (executor != null) {
      executor.shutdown();
    }
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return executor == null || executor.awaitTermination(timeout, unit);
  }

  void shutdownNow() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  private void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      // A bug in the client's own code: log it loudly but keep the loop alive for the others.
      log.error("lockd client loop task failed", e);
      failures.accept(e);
    }
  }
}
