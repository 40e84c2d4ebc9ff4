package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delaysDoubleUpToTheCapAndStayInTheUpperHalfOfTheirStep() {
    Backoff backoff = new Backoff(10, 200);
    long step = 10;
    for (int attempt = 0; attempt < 20; attempt++) {
      long delay = backoff.nextDelayMillis();
      long expectedStep = step;
      assertTrue(
          delay >= expectedStep / 2 && delay <= expectedStep,
          () -> "delay " + delay + " outside [" + expectedStep / 2 + ", " + expectedStep + "]");
      step = Math.min(200, step * 2);
    }
  }

  @Test
  void resetStartsOverAndToMaxJumpsToTheCap() {
    Backoff backoff = new Backoff(10, 200);
    backoff.toMax();
    assertTrue(backoff.nextDelayMillis() >= 100);
    backoff.reset();
    assertTrue(backoff.nextDelayMillis() <= 10);
  }
}
