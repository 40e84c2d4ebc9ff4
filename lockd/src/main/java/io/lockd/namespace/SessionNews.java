package io.lockd.namespace;

import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * Which sessions got events or ended since the server last asked, so that pushing events after a
 * batch visits those sessions' streams instead of every open stream (a cell may hold 100,000
 * sessions while a batch touches a few). Not part of the replicated state: it is not in snapshots
 * or checksums. Bounded: past {@link #REMEMBERED_MAX} ids it forgets them and says "everyone",
 * which costs the reader one full pass and nothing else.
 */
final class SessionNews {
  static final int REMEMBERED_MAX = 1 << 16;

  private final TreeSet<Long> ids = new TreeSet<>(); // ascending: pushes in a stable order
  private boolean everyone = true; // a new state (start, restore): nothing is known

  void note(long sessionId) {
    if (everyone) {
      return;
    }
    ids.add(sessionId);
    if (ids.size() > REMEMBERED_MAX) {
      ids.clear();
      everyone = true;
    }
  }

  /**
   * Gives each noted session to {@code each}, ascending, and forgets them; false (giving none) if
   * any session may have news.
   */
  boolean drain(LongConsumer each) {
    if (everyone) {
      everyone = false;
      return false;
    }
    while (!ids.isEmpty()) {
      each.accept(ids.pollFirst());
    }
    return true;
  }
}
