package io.lockd.client.sim;

import io.lockd.client.SimClients;
import io.lockd.sim.EventQueue;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * A client machine's monotonic clock (what System.nanoTime is to a real client): simulated real
 * time at a rate within {@code drift} of it, with a random offset. The rate changes when a fault
 * says so; the value stays continuous and monotonic. Timers fire when this clock reaches their
 * target, never earlier, also across rate changes (pending timers are re-planned), as a real
 * scheduler on the machine's own clock would.
 */
final class MachineClock implements SimClients.Time {
  private static final class Timer {
    final long target;
    final long order;
    final Runnable task;
    long version;
    boolean done;

    Timer(long target, long order, Runnable task) {
      this.target = target;
      this.order = order;
      this.task = task;
    }
  }

  private final EventQueue events;
  private final RandomGenerator random;
  private final double drift;
  private final TreeSet<Timer> pending =
      new TreeSet<>(Comparator.<Timer>comparingLong(t -> t.target).thenComparingLong(t -> t.order));
  private double rate;
  private long anchorMicros;
  private double anchorNanos;
  private long order;

  MachineClock(EventQueue events, RandomGenerator random, double drift) {
    this.events = events;
    this.random = random;
    this.drift = drift;
    this.anchorMicros = events.nowMicros();
    this.anchorNanos = random.nextLong(1_000_000_000_000L);
    this.rate = pickRate();
  }

  private double pickRate() {
    double r = random.nextDouble();
    if (r < 0.25) {
      return 1 - drift; // the extremes are where lease bugs hide
    }
    if (r < 0.5) {
      return 1 + drift;
    }
    return 1 - drift + random.nextDouble() * 2 * drift;
  }

  @Override
  public long nanoTime() {
    return (long) Math.floor(anchorNanos + (events.nowMicros() - anchorMicros) * 1000.0 * rate);
  }

  @Override
  public Runnable schedule(long delayNanos, Runnable task) {
    Timer t = new Timer(nanoTime() + Math.max(0, delayNanos), order++, task);
    pending.add(t);
    plan(t);
    return () -> {
      if (!t.done) {
        t.done = true;
        pending.remove(t);
      }
    };
  }

  /** A new rate from now on; the clock's value does not jump. */
  void changeRate() {
    anchorNanos = anchorNanos + (events.nowMicros() - anchorMicros) * 1000.0 * rate;
    anchorMicros = events.nowMicros();
    rate = pickRate();
    for (Timer t : pending) {
      t.version++;
      plan(t);
    }
  }

  private void plan(Timer t) {
    long version = t.version;
    double now = anchorNanos + (events.nowMicros() - anchorMicros) * 1000.0 * rate;
    double nanosLeft = t.target - now;
    long micros = nanosLeft <= 0 ? 0 : (long) Math.ceil(nanosLeft / rate / 1000.0);
    events.after(micros, () -> fire(t, version));
  }

  private void fire(Timer t, long version) {
    if (t.done || t.version != version) {
      return;
    }
    if (nanoTime() < t.target) {
      events.after(1, () -> fire(t, version)); // rounding: one microsecond more
      return;
    }
    t.done = true;
    pending.remove(t);
    t.task.run();
  }
}
