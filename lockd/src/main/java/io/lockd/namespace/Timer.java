package io.lockd.namespace;

import java.util.Comparator;

/**
 * A point in leader time at which a lock needs attention: a queued acquire's deadline, or the end
 * of a lock-delay. Timers fire in (time, kind, path, session) order, so replicas fire them alike.
 * Deadlines fire before delay ends of the same instant: a waiter whose deadline has come is never
 * granted.
 */
record Timer(long atMillis, Kind kind, String path, long sessionId) implements Comparable<Timer> {

  /** What a timer ends. */
  enum Kind {
    WAIT_DEADLINE,
    DELAY_END
  }

  private static final Comparator<Timer> ORDER =
      Comparator.comparingLong(Timer::atMillis)
          .thenComparing(Timer::kind)
          .thenComparing(Timer::path)
          .thenComparingLong(Timer::sessionId);

  static Timer waitDeadline(String path, Waiter waiter) {
    return new Timer(waiter.deadlineMillis(), Kind.WAIT_DEADLINE, path, waiter.sessionId());
  }

  static Timer delayEnd(String path, long untilMillis) {
    return new Timer(untilMillis, Kind.DELAY_END, path, 0);
  }

  @Override
  public int compareTo(Timer other) {
    return ORDER.compare(this, other);
  }
}
