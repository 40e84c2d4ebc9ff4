package io.lockd.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a client runs user code: session, lock and watch listeners, and the completion of every
 * future it hands out. Because events and answers pass through this one ordered queue in the order
 * the loop decided, a listener never sees an event after an answer that already reflects a later
 * state (the delivery order, docs/client.md). The queue runs on the runtime's callback threads
 * ({@link CallbackThreads}), one callback of this client at a time.
 *
 * <p>User code that blocks here would stall later events, and could wait for an answer that only
 * these threads can deliver, so the blocking API refuses to run on them ({@link
 * #checkNotDispatchThread}).
 *
 * <p>Tests only: {@link #Dispatcher(Executor)} runs the callbacks on an executor supplied from
 * outside (a deterministic simulation's event queue) instead.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final CallbackThreads threads; // null when callbacks run on an outside executor
  private final SerialExecutor serial; // likewise
  private final Executor callbacks;
  private final AtomicInteger queued = new AtomicInteger();

  Dispatcher(CallbackThreads threads) {
    this.threads = threads;
    this.serial = threads.newSerial();
    this.callbacks = serial;
  }

  /**
   * Tests only: callbacks run on {@code callbacks}, which must run them one at a time in the order
   * given. No thread is a dispatch thread, so nothing here refuses a blocking call: a caller on
   * such an executor must use the asynchronous API only. Shutting down stops nothing.
   */
  Dispatcher(Executor callbacks) {
    this.threads = null;
    this.serial = null;
    this.callbacks = callbacks;
  }

  /** Runs a user callback in order; an exception it throws is logged and otherwise ignored. */
  void run(String what, Runnable callback) {
    queued.incrementAndGet();
    try {
      callbacks.execute(
          () -> {
            try {
              callback.run();
            } catch (RuntimeException | Error e) {
              log.warn("{} threw; the client carries on", what, e);
            } finally {
              queued.decrementAndGet();
            }
          });
    } catch (RejectedExecutionException e) {
      queued.decrementAndGet();
      log.debug("dispatcher shut down; dropped {}", what);
    }
  }

  <T> void complete(CompletableFuture<T> future, T value) {
    if (direct(future)) {
      future.complete(value);
    } else {
      run("a future's continuation", () -> future.complete(value));
    }
  }

  <T> void fail(CompletableFuture<T> future, Throwable error) {
    if (direct(future)) {
      future.completeExceptionally(error);
    } else {
      run("a future's continuation", () -> future.completeExceptionally(error));
    }
  }

  /**
   * A future that only a blocked caller of the blocking API waits for (no continuation can run on
   * the completing thread) may be completed at once when nothing is queued here: everything
   * dispatched before it has run, so the order holds, and the caller wakes one hop sooner.
   */
  private boolean direct(CompletableFuture<?> future) {
    return future instanceof Awaited<?> a && a.awaited && queued.get() == 0;
  }

  /**
   * A future of the blocking API: {@link #markAwaited} is called when its only user, the blocked
   * caller, starts waiting; it is never handed out, so nothing else can attach to it.
   */
  static class Awaited<T> extends CompletableFuture<T> {
    private volatile boolean awaited;

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>(); // dependents are ordinary futures
    }
  }

  static void markAwaited(CompletableFuture<?> f) {
    if (f instanceof Awaited<?> a) {
      a.awaited = true;
    }
  }

  boolean isDispatchThread() {
    return threads != null && threads.isCallbackThread(Thread.currentThread());
  }

  /** Blocking on a callback thread could deadlock the client: refuse it with a clear message. */
  void checkNotDispatchThread() {
    if (isDispatchThread()) {
      throw new IllegalStateException(
          "blocking lockd call from a lockd callback: callbacks run on the client's event threads, "
              + "which must deliver the answer you are waiting for; use the async form "
              + "(client.async()) or hand the work to another thread");
    }
  }

  /** Refuses new callbacks; those already queued still run. */
  void shutdown() {
    if (serial != null) {
      serial.shutdown();
    }
  }

  /** Waits until the callbacks queued before {@link #shutdown} have run; true if they did. */
  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return serial == null || serial.awaitTermination(timeout, unit);
  }

  /** Interrupts a callback that does not end. */
  void shutdownNow() {
    if (serial != null) {
      serial.interruptRunning();
    }
  }
}
