package io.lockd.client.sim;

import io.lockd.sim.EventQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * One simulated application process: the client's two threads (its loop and its event thread)
 * become two lanes of tasks on the simulation's event queue. Each lane runs its tasks one at a time
 * in the order given, a few microseconds after they were queued (a random latency, so the two lanes
 * interleave differently from seed to seed). The process can pause (a stop-the-world GC): tasks
 * that come due while it is paused wait, in order, and run when it resumes; its clock keeps
 * running, so timers come due late, all at once.
 */
final class ClientProcess {
  /** Longest wait of a queued task before its lane runs it. */
  static final long LANE_LATENCY_MICROS = 20;

  /** After a pause, how long the process may act on state it has not caught up with yet. */
  static final long SETTLE_MICROS = 1_000;

  final int id;
  final MachineClock clock;
  final Executor loopTasks = task -> post(0, task);
  final Executor callbacks = task -> post(1, task);
  private final EventQueue events;
  private final Trace trace;
  private final RandomGenerator random;
  private final long[] laneAt = new long[2];
  private final List<Runnable> deferred = new ArrayList<>();
  private boolean paused;
  private long pausedUntil;
  private long resumedAt = Long.MIN_VALUE / 2;
  private long pauses;

  ClientProcess(
      int id, EventQueue events, RandomGenerator random, MachineClock clock, Trace trace) {
    this.id = id;
    this.trace = trace;
    this.events = events;
    this.random = random;
    this.clock = clock;
  }

  private void post(int lane, Runnable task) {
    long at = Math.max(laneAt[lane], events.nowMicros() + random.nextLong(LANE_LATENCY_MICROS + 1));
    laneAt[lane] = at;
    events.at(at, () -> run(task));
  }

  private void run(Runnable task) {
    if (paused) {
      deferred.add(task);
    } else {
      task.run();
    }
  }

  /** Runs {@code task} on the event thread after {@code micros} of simulated time. */
  void later(long micros, Runnable task) {
    events.after(micros, () -> callbacks.execute(task));
  }

  /**
   * Freezes the process for {@code micros} (a pause that comes while it is frozen extends the
   * freeze instead of ending it early).
   */
  void pause(long micros) {
    long until = events.nowMicros() + micros;
    if (paused && until <= pausedUntil) {
      return;
    }
    if (!paused) {
      paused = true;
      pauses++;
    }
    pausedUntil = until;
    events.at(
        until,
        () -> {
          if (events.nowMicros() >= pausedUntil) {
            resume();
          }
        });
  }

  /** Ends a freeze now (when the simulation heals). */
  void resume() {
    if (!paused) {
      return;
    }
    paused = false;
    resumedAt = events.nowMicros();
    trace.log(resumedAt, "client " + id + " resumes");
    List<Runnable> backlog = new ArrayList<>(deferred);
    deferred.clear();
    backlog.forEach(Runnable::run);
  }

  boolean paused() {
    return paused;
  }

  long pauses() {
    return pauses;
  }

  /**
   * Running, and long enough since the last pause to have run the timers that came due during it:
   * what the client says about its session and locks is then its considered view, not a view it had
   * no chance to update.
   */
  boolean settled() {
    return !paused && events.nowMicros() - resumedAt > SETTLE_MICROS;
  }
}
