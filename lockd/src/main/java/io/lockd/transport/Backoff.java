package io.lockd.transport;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff between attempts to re-open a peer stream. Each delay is drawn from
 * the upper half of the current step, so that replicas that lost a peer at the same instant do not
 * all dial it again at the same instant. Not thread-safe; its owner serializes access.
 */
final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private long stepMillis;

  Backoff(long initialMillis, long maxMillis) {
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.stepMillis = initialMillis;
  }

  /** The delay before the next attempt; each call doubles the following one, up to the cap. */
  long nextDelayMillis() {
    long step = stepMillis;
    stepMillis = Math.min(maxMillis, step * 2);
    return step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
  }

  /** After a success: the next failure waits only the initial delay again. */
  void reset() {
    stepMillis = initialMillis;
  }

  /** After a failure that retrying soon cannot fix: wait the longest delay. */
  void toMax() {
    stepMillis = maxMillis;
  }
}
