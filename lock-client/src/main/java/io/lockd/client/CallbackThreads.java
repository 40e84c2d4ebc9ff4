package io.lockd.client;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads on which the clients of one runtime run user code (listeners, future continuations).
 * Each client gets its own {@link SerialExecutor} over them, so its callbacks keep their order
 * while the clients share a few threads. Threads start when first needed and end after a minute
 * without work.
 *
 * <p>A blocking call from one of these threads could wait for an answer that only these threads can
 * deliver, so the blocking API refuses to run on them ({@link #isCallbackThread}).
 */
final class CallbackThreads {
  private static final long IDLE_SECONDS = 60;

  private final ThreadPoolExecutor pool;

  /**
   * @param name the threads' names: {@code name} for one thread, {@code name-i} for several
   */
  CallbackThreads(String name, int threads) {
    AtomicInteger count = new AtomicInteger();
    pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            IDLE_SECONDS,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t =
                  new Owned(r, threads == 1 ? name : name + "-" + count.incrementAndGet(), this);
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
  }

  /** A new client's ordered view of these threads. */
  SerialExecutor newSerial() {
    return new SerialExecutor(pool);
  }

  /** True on one of these threads: a blocking lockd call here could deadlock. */
  boolean isCallbackThread(Thread t) {
    return t instanceof Owned o && o.owner == this;
  }

  /** Stops the threads once the queued work ran; true if they ended within {@code millis}. */
  boolean shutdown(long millis) throws InterruptedException {
    pool.shutdown();
    return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }

  /** A thread that knows which pool it belongs to. */
  private static final class Owned extends Thread {
    final CallbackThreads owner;

    Owned(Runnable r, String name, CallbackThreads owner) {
      super(r, name);
      this.owner = owner;
    }
  }
}
