package io.lockd.replica;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoopStallsTest {
  private static final LoopStalls.TurnParts NONE = new LoopStalls.TurnParts(0, 0, 0, 0, 0);

  /** An operator reading the log after a leader change must find the stall, but not every turn. */
  @Test
  void aStallIsReportedAtOnceThenAtMostOncePerInterval() {
    LoopStalls stalls = new LoopStalls("loop-1");
    long t = 5_000;
    assertNull(stalls.turn(t, t + 20, NONE), "a short turn is no stall");

    stalls.timerRan(Long.MIN_VALUE / 4, t, t + 5); // "at once": due when the loop went to sleep
    assertNull(stalls.turn(t + 5, t + 10, NONE), "a deadline long past is no lateness of the loop");

    stalls.timerRan(t + 50, t + 20, t + 950); // a 900 ms pause while the loop slept
    String first = stalls.turn(t + 950, t + 960, NONE);
    assertNotNull(first, "the first stall is reported at once");
    assertTrue(first.contains("late by up to 900 ms"), first);

    LoopStalls.TurnParts parts = new LoopStalls.TurnParts(0, 380, 0, 350, 12);
    assertNull(stalls.turn(t + 1_000, t + 1_400, parts), "a second one within the interval waits");
    String next = stalls.turn(t + 11_000, t + 11_010, NONE);
    assertNotNull(next, "and is reported once the interval has passed");
    assertTrue(next.contains("longest turn 400 ms (peer messages 0 ms, client work 380 ms"), next);
    assertTrue(next.contains("12 flush(es) 350 ms"), next);
    assertNull(stalls.turn(t + 22_000, t + 22_010, NONE), "nothing new, nothing to say");
  }
}
