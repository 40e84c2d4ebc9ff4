package io.lockd.client;

import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's view of its loop thread. Every piece of the client's mutable protocol state (the
 * leader router, the session, its mutation lane, lock and watch tables) is touched only by tasks
 * run through here, all on one thread, so none of it needs locks. gRPC delivers the client's call
 * callbacks here too (each call names this loop as its executor). Tasks must never block; user code
 * never runs here (see {@link Dispatcher}).
 *
 * <p>The thread may be shared with other clients ({@link ClientRuntime}); what belongs to this
 * client ends with {@link #close}: later tasks are dropped and pending timers called off, while the
 * thread runs on for the others.
 *
 * <p>Tests only: {@link #Loop(Executor, Consumer)} runs the tasks on an executor supplied from
 * outside (a deterministic simulation's event queue) instead of a thread.
 */
final class Loop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(Loop.class);

  private final EventLoop thread; // null when tasks run on an outside executor
  private final Executor tasks;
  private final Consumer<Throwable> failures;

  /** Head of the list of pending timers (loop-confined). */
  private final ListNode timers = new ListNode();

  private volatile boolean closed;

  Loop(EventLoop thread) {
    this.thread = thread;
    this.tasks = thread;
    this.failures = t -> {};
  }

  /**
   * Tests only: a loop whose tasks run on {@code tasks}, which must run them one at a time in the
   * order given (a simulation's single-threaded event queue). There is no thread, so {@link
   * #systemClock} is unavailable (supply a clock). A task that throws is logged as on a thread and
   * also passed to {@code failures}.
   */
  Loop(Executor tasks, Consumer<Throwable> failures) {
    this.thread = null;
    this.tasks = tasks;
    this.failures = failures;
  }

  @Override
  public void execute(Runnable task) {
    if (closed) {
      log.debug("the client is closed; dropped a loop task");
      return;
    }
    try {
      tasks.execute(() -> runGuarded(task));
    } catch (RejectedExecutionException e) {
      log.debug("loop is shut down; dropped a task");
    }
  }

  boolean inLoop() {
    return thread != null && thread.inEventLoop();
  }

  /** The thread's event loop (for tests and the runtime), or null on an outside executor. */
  EventLoop eventLoop() {
    return thread;
  }

  /** A clock on System.nanoTime whose timers run on this loop. */
  ClientClock systemClock() {
    if (thread == null) {
      throw new IllegalStateException("a loop on an outside executor has no system clock");
    }
    return new ClientClock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Cancellable schedule(long delayNanos, Runnable task) {
        return Loop.this.schedule(delayNanos, task);
      }
    };
  }

  private ClientClock.Cancellable schedule(long delayNanos, Runnable task) {
    if (closed) {
      return ClientClock.Cancellable.NONE;
    }
    Timer t = new Timer(task);
    try {
      t.future = thread.schedule(t, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return ClientClock.Cancellable.NONE;
    }
    t.linkAfter(timers);
    return t;
  }

  /**
   * Ends this client's use of the thread: later tasks are dropped and every pending timer is called
   * off. On the loop.
   */
  void close() {
    closed = true;
    for (ListNode t = timers.first(); t != null; t = timers.first()) {
      ((Timer) t).cancel();
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

  /**
   * A pending timer, linked into the loop's list until it runs or is called off, so that {@link
   * #close} can call off every one. Linked, run and cancelled on the loop only (timers are, by
   * {@link ClientClock}'s contract).
   */
  private final class Timer extends ListNode implements Runnable, ClientClock.Cancellable {
    private final Runnable task;
    private ScheduledFuture<?> future;

    Timer(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      if (unlink()) {
        runGuarded(task);
      }
    }

    @Override
    public void cancel() {
      if (unlink()) {
        future.cancel(false);
      }
    }
  }
}
