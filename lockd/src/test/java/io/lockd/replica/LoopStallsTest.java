package io.lockd.replica;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoopStallsTest {
  /** An operator reading the log after a leader change must find the stall, but not every turn. */
  @Test
  void aStallIsReportedAtOnceThenAtMostOncePerInterval() {
    LoopStalls stalls = new LoopStalls("loop-1");
    long t = 5_000;
    assertNull(stalls.turn(t, t + 20), "a short turn is no stall");

    stalls.timerRan(Long.MIN_VALUE / 4, t, t + 5); // "at once": due when the loop went to sleep
    assertNull(stalls.turn(t + 5, t + 10), "a deadline long past is no lateness of the loop");

    stalls.timerRan(t + 50, t + 20, t + 950); // a 900 ms pause while the loop slept
    String first = stalls.turn(t + 950, t + 960);
    assertNotNull(first, "the first stall is reported at once");
    assertTrue(first.contains("late by up to 900 ms"), first);

    assertNull(stalls.turn(t + 1_000, t + 1_400), "a second one within the interval waits");
    String next = stalls.turn(t + 11_000, t + 11_010);
    assertNotNull(next, "and is reported once the interval has passed");
    assertTrue(next.contains("longest turn 400 ms"), next);
    assertNull(stalls.turn(t + 22_000, t + 22_010), "nothing new, nothing to say");
  }
}
