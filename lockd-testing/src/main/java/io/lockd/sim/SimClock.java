package io.lockd.sim;

import io.lockd.replica.Clock;
import java.util.random.RandomGenerator;

/**
 * A replica's monotonic clock: it runs at a rate within [1 - drift, 1 + drift] of real time, and
 * the rate changes at random moments (a slow stretch is a stall within the bound). Process pauses
 * that make the clock appear to jump are modelled by {@link SimReplica}: the clock keeps running
 * while the process is frozen.
 */
final class SimClock implements Clock {
  private final EventQueue events;
  private final RandomGenerator random;
  private final double drift;
  private double rate;
  private long anchorReal;
  private double anchorValue;

  SimClock(EventQueue events, RandomGenerator random, double drift, long offsetMillis) {
    this.events = events;
    this.random = random;
    this.drift = drift;
    this.anchorReal = events.nowMicros();
    this.anchorValue = offsetMillis * 1000.0;
    this.rate = pickRate();
  }

  private double pickRate() {
    // Extremes are where lease bugs hide: pick a bound half of the time.
    double r = random.nextDouble();
    if (r < 0.25) {
      return 1 - drift;
    }
    if (r < 0.5) {
      return 1 + drift;
    }
    return 1 - drift + random.nextDouble() * 2 * drift;
  }

  /** Re-anchors and changes the rate; the value stays continuous and monotonic. */
  void changeRate() {
    anchorValue = valueMicros();
    anchorReal = events.nowMicros();
    rate = pickRate();
  }

  /**
   * Re-anchors and sets the rate to a bound of the drift: the slowest if {@code fast} is false. A
   * slow leader with fast acceptors is the worst case the lease rule has to cover.
   */
  void setExtremeRate(boolean fast) {
    anchorValue = valueMicros();
    anchorReal = events.nowMicros();
    rate = fast ? 1 + drift : 1 - drift;
  }

  private double valueMicros() {
    return anchorValue + (events.nowMicros() - anchorReal) * rate;
  }

  /**
   * Real microseconds until this clock reads {@code millis}, at its current rate (0 if it does).
   */
  long realMicrosUntil(long millis) {
    double remaining = millis * 1000.0 - valueMicros();
    return remaining <= 0 ? 0 : (long) Math.ceil(remaining / rate);
  }

  @Override
  public long nowMillis() {
    return (long) Math.floor(valueMicros() / 1000.0);
  }
}
