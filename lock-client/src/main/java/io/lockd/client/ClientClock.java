package io.lockd.client;

import io.grpc.Deadline;

/**
 * The client's notion of time: a monotonic clock and timers. Every timer task runs on the client's
 * loop thread. Production uses {@link Loop#systemClock}; tests substitute a clock they advance by
 * hand, so that leases, jeopardy and expiry are driven without real waiting.
 */
interface ClientClock {
  /** Monotonic time in nanoseconds (only differences mean anything). */
  long nanoTime();

  /** Runs {@code task} on the loop after {@code delayNanos} of this clock's time. */
  Cancellable schedule(long delayNanos, Runnable task);

  /**
   * The time source of the deadlines this client puts on its calls: gRPC's own (System.nanoTime)
   * unless a simulation, whose transport measures deadlines in simulated time, supplies another.
   */
  default Deadline.Ticker deadlineTicker() {
    return Deadline.getSystemTicker();
  }

  /** A scheduled task that can be called off. */
  interface Cancellable {
    Cancellable NONE = () -> {};

    /** Calls the task off if it has not run; harmless afterwards. */
    void cancel();
  }
}
