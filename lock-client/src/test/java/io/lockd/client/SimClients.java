package io.lockd.client;

import io.grpc.Deadline;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The door from the deterministic simulation ({@code io.lockd.client.sim}) into the client's
 * package-private test hooks: a real {@link LockClient} whose loop tasks, callbacks, timers and
 * call deadlines all run on the simulation's event queue in simulated time, and read-only looks at
 * the client's state for the checkers. Nothing here changes what the client does.
 */
public final class SimClients {
  private SimClients() {}

  /** A simulated machine's monotonic clock and its timers. */
  public interface Time {
    /** Monotonic time of this machine, in nanoseconds. */
    long nanoTime();

    /**
     * Runs {@code task} (on the simulation's event queue) once this clock has advanced by {@code
     * delayNanos}; the returned action calls it off.
     */
    Runnable schedule(long delayNanos, Runnable task);
  }

  /**
   * Builds a client on the simulation's executors and clock.
   *
   * @param loopTasks runs the client's loop tasks in order (the simulated process's loop thread)
   * @param callbacks runs its callbacks in order (the simulated process's event thread)
   * @param loopFailures told of a loop task that threw (a bug in the client)
   * @param seed the backoff jitter's seed
   */
  public static LockClient build(
      LockClient.Builder builder,
      Executor loopTasks,
      Executor callbacks,
      Time time,
      Consumer<Throwable> loopFailures,
      long seed) {
    return builder
        .execution(loopTasks, callbacks, loopFailures)
        .clock(loop -> clock(time, loop))
        .seed(seed)
        .build();
  }

  private static ClientClock clock(Time time, Loop loop) {
    Deadline.Ticker ticker =
        new Deadline.Ticker() {
          @Override
          public long nanoTime() {
            return time.nanoTime();
          }
        };
    return new ClientClock() {
      @Override
      public long nanoTime() {
        return time.nanoTime();
      }

      @Override
      public Cancellable schedule(long delayNanos, Runnable task) {
        Runnable cancel = time.schedule(delayNanos, () -> loop.execute(task));
        return cancel::run;
      }

      @Override
      public Deadline.Ticker deadlineTicker() {
        return ticker;
      }
    };
  }

  /** The client's open session, or null (never opens one). */
  public static Session currentSession(LockClient client) {
    return client.async().currentSessionOnLoop();
  }

  /** A sequencer as the resource receives it on the wire. */
  public static io.lockd.proto.v1.Sequencer toProto(Sequencer sequencer) {
    return sequencer.toProto();
  }
}
