package io.lockd.server;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.SessionSummary;
import java.util.List;

/**
 * A walk over the namespace's sessions in id order, one page per step, up to a last id. The
 * leader's duties that must visit every session (taking them over at the start of a term, comparing
 * its deadline table with the namespace) take one page per tick instead of all at once: with 20,000
 * sessions a whole listing held a new leader's loop for about a second on a loaded machine, long
 * enough to lose the lease it had just won, and the next leader did the same.
 */
final class SessionWalk {
  /** Sessions visited per step: a few milliseconds of the loop's time at most. */
  static final int PAGE = 2_000;

  private final long lastId;
  private long cursor;
  private boolean done;

  /** Visits the sessions with ids up to {@code lastId} (inclusive). */
  SessionWalk(long lastId) {
    this.lastId = lastId;
    this.done = lastId <= 0;
  }

  /** The next page (ids above every id visited so far); empty once the walk is done. */
  List<SessionSummary> next(Namespace namespace) {
    if (done) {
      return List.of();
    }
    List<SessionSummary> page = namespace.sessionSummaries(cursor, PAGE);
    int keep = page.size();
    while (keep > 0 && page.get(keep - 1).sessionId() > lastId) {
      keep--;
    }
    if (keep < PAGE) {
      done = true;
    }
    page = page.subList(0, keep);
    if (!page.isEmpty()) {
      cursor = page.get(keep - 1).sessionId();
    }
    if (cursor >= lastId) {
      done = true;
    }
    return page;
  }

  /** Every id at or below this one was visited (or does not exist). */
  long visitedThrough() {
    return done ? lastId : cursor;
  }

  /** True if {@code sessionId} lies in the part of the walk still ahead. */
  boolean ahead(long sessionId) {
    return !done && sessionId > cursor && sessionId <= lastId;
  }

  boolean done() {
    return done;
  }
}
