package io.lockd.sim;

import java.util.PriorityQueue;

/**
 * Simulated real time and the events scheduled in it. Time is in microseconds; ties run in the
 * order they were scheduled, so a run is a pure function of its seed.
 */
public final class EventQueue {
  private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;
  private long executed;

  public long nowMicros() {
    return now;
  }

  public void at(long micros, Runnable action) {
    queue.add(new Event(Math.max(micros, now), seq++, action));
  }

  public void after(long micros, Runnable action) {
    at(now + micros, action);
  }

  /** Runs the next event; false if there is none or it lies beyond {@code until}. */
  public boolean runNext(long until) {
    Event e = queue.peek();
    if (e == null || e.at > until) {
      now = Math.max(now, until);
      return false;
    }
    queue.poll();
    now = e.at;
    executed++;
    e.action.run();
    return true;
  }

  public long executed() {
    return executed;
  }
}
