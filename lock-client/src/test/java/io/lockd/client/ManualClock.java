package io.lockd.client;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A client clock that moves only when the test says so. Timers due by the new time run on the
 * client's loop, one at a time in time order, each finishing before the next starts (so a timer
 * that schedules another due within the step also runs).
 */
final class ManualClock implements ClientClock {
  private record Task(long at, long order, Runnable run, boolean[] cancelled) {}

  private final Loop loop;
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private long now = 1_000_000_000L;
  private long order;

  ManualClock(Loop loop) {
    this.loop = loop;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(long delayNanos, Runnable task) {
    boolean[] cancelled = new boolean[1];
    if (delayNanos <= 0) {
      loop.execute(
          () -> {
            if (!cancelled[0]) {
              task.run();
            }
          });
    } else {
      tasks.add(new Task(now + delayNanos, order++, task, cancelled));
    }
    return () -> cancelled[0] = true;
  }

  /** Moves time forward by {@code d}, running every timer that comes due on the way. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > target) {
          now = target;
          break;
        }
        tasks.poll();
        now = Math.max(now, next.at);
      }
      if (!next.cancelled[0]) {
        runOnLoop(next.run);
      }
    }
    runOnLoop(() -> {});
  }

  /**
   * Moves time forward in steps of {@code step}, {@code most} in all at the most, until {@code
   * done} holds. For a timer that the client sets in reply to an answer that arrives (in real time)
   * while the test moves the clock, such as the backoff before reopening a stream after a refusal:
   * a single {@link #advance} may be over before that timer exists.
   */
  void advanceUntil(String what, Duration step, Duration most, BooleanSupplier done) {
    long[] moved = {0};
    Eventually.await(
        what,
        () -> {
          if (!done.getAsBoolean() && moved[0] < most.toNanos()) {
            advance(step);
            moved[0] += step.toNanos();
          }
          return done.getAsBoolean();
        });
  }

  /** Reads state that only the client's loop may touch. */
  <T> T onLoop(Supplier<T> read) {
    Object[] value = new Object[1];
    runOnLoop(() -> value[0] = read.get());
    @SuppressWarnings("unchecked")
    T t = (T) value[0];
    return t;
  }

  private void runOnLoop(Runnable r) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(
        () -> {
          try {
            r.run();
          } finally {
            done.complete(null);
          }
        });
    try {
      done.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the client loop did not run a timer within 10 s", e);
    }
  }
}
