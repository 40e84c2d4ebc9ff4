package io.lockd.replica;

/**
 * Notices when the replica's loop ran a timer late or spent long on one turn, and says so in the
 * log, at most once per interval. A leader whose loop stalls for longer than its lease loses it
 * (the followers' election timers run on), so an operator who sees an unexplained leader change
 * needs to know whether the loop stalled and whether the loop itself was busy (a long turn: work
 * that belongs beside the loop) or was not run at all (a lateness with short turns: a GC pause or a
 * machine with more runnable threads than cores).
 */
final class LoopStalls {
  /** Stalls shorter than this are not worth a line: heartbeats go every 50 ms by default. */
  static final long THRESHOLD_MILLIS = 100;

  private static final long REPORT_EVERY_MILLIS = 10_000;

  private final String loopName;
  private long worstLateMillis;
  private long worstTurnMillis;
  private TurnParts worstTurnParts;
  private int stalls;
  private boolean reported;
  private long lastReportMillis;

  /**
   * Where one turn's time went: the peer messages at its start, the client work (with the peer
   * messages and flushes run between client tasks), the tick, and every flush of the turn together
   * (a flush is where chosen commands are applied and a capture is copied a step).
   */
  record TurnParts(
      long peerMillis, long clientMillis, long tickMillis, long flushMillis, int flushes) {
    @Override
    public String toString() {
      return String.format(
          "peer messages %d ms, client work %d ms, tick %d ms; %d flush(es) %d ms",
          peerMillis, clientMillis, tickMillis, flushes, flushMillis);
    }
  }

  LoopStalls(String loopName) {
    this.loopName = loopName;
  }

  /**
   * The loop went to sleep at {@code sleptAt} until a timer due at {@code dueAt} and woke at {@code
   * ranAt}. A deadline already past when it went to sleep (the core's "at once" is a time long
   * gone) counts from then: the lateness is the loop's, not the deadline's age.
   */
  void timerRan(long dueAt, long sleptAt, long ranAt) {
    long late = ranAt - Math.max(dueAt, sleptAt);
    if (late >= THRESHOLD_MILLIS) {
      stalls++;
      worstLateMillis = Math.max(worstLateMillis, late);
    }
  }

  /**
   * One turn of the loop (its inputs, tick and flush) ran from {@code start} to {@code end}, its
   * time split as {@code parts} (null for a turn too short to report). Returns the line to log if
   * stalls were seen and none was reported in the last interval, else null.
   */
  String turn(long start, long end, TurnParts parts) {
    long took = end - start;
    if (took >= THRESHOLD_MILLIS) {
      stalls++;
      if (took > worstTurnMillis) {
        worstTurnMillis = took;
        worstTurnParts = parts;
      }
    }
    if (stalls == 0 || (reported && end - lastReportMillis < REPORT_EVERY_MILLIS)) {
      return null;
    }
    String report =
        String.format(
            "%s: %d stall(s) of %d ms or more since the last report: timer late by up to %d ms,"
                + " longest turn %d ms%s (late with short turns: GC pauses or too few cores for the"
                + " runnable threads; long turns: work on the loop that should not be there)",
            loopName,
            stalls,
            THRESHOLD_MILLIS,
            worstLateMillis,
            worstTurnMillis,
            worstTurnParts == null ? "" : " (" + worstTurnParts + ")");
    stalls = 0;
    worstLateMillis = 0;
    worstTurnMillis = 0;
    worstTurnParts = null;
    reported = true;
    lastReportMillis = end;
    return report;
  }
}
