package io.lockd.client.sim;

/**
 * A fingerprint of everything that happened in a run (every packet with its time, ends and bytes;
 * every step the applications took; the replicas' final states) and the first violation a check
 * reported. Two runs of one seed must end with the same fingerprint.
 */
final class Trace {
  private static final boolean PRINT = Boolean.getBoolean("sim.trace");
  private long hash = 0xcbf29ce484222325L;
  private long entries;
  private String violation;

  void add(long... values) {
    for (long v : values) {
      hash ^= v;
      hash *= 0x100000001b3L;
      hash ^= hash >>> 29;
    }
    entries++;
  }

  void add(String text, long... values) {
    add(text.hashCode());
    add(values);
  }

  /** With -Dsim.trace=true (meant for replaying one seed), prints a line of the run's story. */
  void log(long micros, String line) {
    if (PRINT) {
      System.out.printf("%10d %s%n", micros, line);
    }
  }

  boolean printing() {
    return PRINT;
  }

  long hash() {
    return hash;
  }

  long entries() {
    return entries;
  }

  /** Records a violation (the first one wins); the run stops at its next step. */
  void fail(String why) {
    if (violation == null) {
      violation = why;
    }
  }

  String violation() {
    return violation;
  }
}
