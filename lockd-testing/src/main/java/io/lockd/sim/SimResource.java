package io.lockd.sim;

import io.lockd.proto.v1.Sequencer;
import java.util.HashMap;
import java.util.Map;

/**
 * A resource server that fences lock holders by sequencer, as lock-client's FencingGuard does: per
 * lock path it accepts a sequencer only if its generation is at least the newest it has seen.
 * Generations it accepts only grow, and one generation never belongs to two sessions.
 */
public final class SimResource {
  private final Map<String, long[]> newest = new HashMap<>(); // path -> {generation, session}
  public long accepted;

  /** True if the holder may act; false if a newer holder has already been seen. */
  public boolean use(long session, Sequencer s) {
    long[] seen = newest.get(s.getPath());
    if (seen != null && s.getLockGeneration() < seen[0]) {
      return false;
    }
    if (seen != null && s.getLockGeneration() == seen[0] && seen[1] != session) {
      throw new Violation(
          "mutual exclusion: generation "
              + s.getLockGeneration()
              + " of "
              + s.getPath()
              + " presented by sessions "
              + seen[1]
              + " and "
              + session);
    }
    newest.put(s.getPath(), new long[] {s.getLockGeneration(), session});
    accepted++;
    return true;
  }
}
