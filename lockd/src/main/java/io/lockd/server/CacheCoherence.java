package io.lockd.server;

import io.lockd.namespace.SessionSummary;
import io.lockd.proto.v1.CacheInvalidation;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * The leader's half of Chubby's consistent cache: which sessions cache which files, the
 * invalidations they have not acknowledged, and the answers held until they have.
 *
 * <p>The rule it keeps: <em>no answer to a command at index N is sent while a session that may
 * cache a file changed at or before N could still serve the old contents</em>. A session could
 * while it has neither acknowledged the invalidation (on its KeepAlive stream) nor run out of
 * lease. So:
 *
 * <ul>
 *   <li>A cacheable read registers the session for the file. When a command changes the file, the
 *       registration turns into a pending invalidation of that session, numbered per session.
 *   <li>An answer waits until every pending invalidation at or before its index is acknowledged, or
 *       the session's deadline on this leader passed (its client's drift-shortened local lease
 *       ended before that, and a client empties its cache when its lease runs out). A session with
 *       an invalidation pending for half its lease gets no more lease extensions, so a client that
 *       never acknowledges delays writes by at most about one lease.
 *   <li>Registrations live only in this leader's memory. A new leader cannot know what sessions
 *       cached under the earlier one, so every caching session (recorded in the log at creation)
 *       must first <em>drain</em>: acknowledge this leadership's cache epoch, which its client does
 *       only after emptying its cache, or outlast any lease the earlier leader could have granted.
 *       Until every one has, no answer leaves.
 * </ul>
 *
 * Reads are never held: between a write's apply and its acknowledgement, a caching client may still
 * see the old contents; after the acknowledgement, nobody does. Replica thread only; pure (time
 * comes in as arguments).
 */
final class CacheCoherence {

  /** One caching session as this leader sees it. */
  private static final class Cacher {
    final TreeSet<String> files = new TreeSet<>();
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    long lastSeq;
  }

  /** An invalidation sent (or about to be sent) and not yet acknowledged. */
  private static final class Pending {
    final long seq;
    final long issuedAtMillis;
    final Set<String> paths = new LinkedHashSet<>();

    /**
     * The first change it carries. Later changes may join it while it is unsealed, but every answer
     * from this index on must wait for it, so it never moves up.
     */
    final long index;

    /** No more paths may join: its number was sent, or told to a reader. */
    boolean sealed;

    boolean sent;

    Pending(long seq, long index, long issuedAtMillis) {
      this.seq = seq;
      this.index = index;
      this.issuedAtMillis = issuedAtMillis;
    }
  }

  /** An answer waiting for invalidations. */
  private record Held(long index, Runnable send, Runnable abandon) {}

  private final ServerConfig config;
  private final Map<Long, Cacher> cachers = new HashMap<>();
  private final Map<String, Set<Long>> cachedBy = new HashMap<>();

  /** Caching sessions of an earlier leadership that have not drained, with their deadline. */
  private final Map<Long, Long> draining = new HashMap<>();

  private final ArrayDeque<Held> held = new ArrayDeque<>();

  /** Unacknowledged invalidations over all sessions (answers need no check while 0). */
  private int pendingCount;

  private long epoch;

  /** The leader is still naming the sessions it inherited. */
  private boolean listing;

  CacheCoherence(ServerConfig config) {
    this.config = config;
  }

  /** The cache epoch of the running leadership, 0 when none runs. */
  long epoch() {
    return epoch;
  }

  // ---- leadership ------------------------------------------------------------------------------

  /**
   * A leadership starts: every caching session it inherits must drain first. The leader names them
   * a page at a time ({@link #inherit}); until it says all are named ({@link #inheritedAll}), no
   * answer leaves, since one of those not yet named may still serve old contents.
   */
  void startTerm(long termEpoch) {
    clear();
    epoch = termEpoch;
    listing = true;
  }

  /** An inherited session, counted from the term's start {@code termStartMillis}. */
  void inherit(SessionSummary s, long termStartMillis) {
    if (s.caching()) {
      draining.put(s.sessionId(), termStartMillis + config.outlastMillis(s.leaseMillis()));
    }
  }

  /** Every inherited session has been named. */
  void inheritedAll() {
    listing = false;
    releaseHeld();
  }

  /** The leadership ended: held answers are abandoned (clients retry at the next leader). */
  void endTerm() {
    List<Held> abandoned = new ArrayList<>(held);
    clear();
    abandoned.forEach(h -> h.abandon().run());
  }

  private void clear() {
    epoch = 0;
    cachers.clear();
    cachedBy.clear();
    draining.clear();
    listing = false;
    held.clear();
    pendingCount = 0;
  }

  // ---- reads -----------------------------------------------------------------------------------

  /**
   * A read of a file that {@code sessionId} wants to cache: registers it unless a bound is reached
   * or the session cannot cache, and says so in the answer.
   */
  GetContentsAndStatResponse register(
      long sessionId, boolean sessionMayCache, GetContentsAndStatResponse answer) {
    GetContentsAndStatResponse.Builder out = answer.toBuilder().setCacheEpoch(epoch);
    if (epoch == 0 || !sessionMayCache) {
      return out.build();
    }
    Cacher cacher = cachers.computeIfAbsent(sessionId, id -> new Cacher());
    // A change after this read must get a newer number than the one the reader is told, or the
    // client could apply that invalidation before this answer arrives and then cache old contents.
    if (!cacher.pending.isEmpty()) {
      cacher.pending.peekLast().sealed = true;
    }
    String path = answer.getStat().getPath();
    if (!cacher.files.contains(path) && cacher.files.size() >= config.maxCachedFilesPerSession()) {
      return out.setInvalidationSeq(cacher.lastSeq).build();
    }
    cacher.files.add(path);
    cachedBy.computeIfAbsent(path, p -> new TreeSet<>()).add(sessionId);
    return out.setCacheable(true).setInvalidationSeq(cacher.lastSeq).build();
  }

  // ---- changes and answers ---------------------------------------------------------------------

  /** A command at {@code index} changed the file: its cachers must drop it. */
  void changed(String path, long index, long nowMillis) {
    Set<Long> sessions = cachedBy.remove(path);
    if (sessions == null) {
      return;
    }
    for (long id : sessions) {
      Cacher cacher = cachers.get(id);
      cacher.files.remove(path);
      Pending last = cacher.pending.peekLast();
      if (last == null || last.sealed) {
        last = new Pending(++cacher.lastSeq, index, nowMillis);
        cacher.pending.addLast(last);
        pendingCount++;
      }
      last.paths.add(path);
    }
  }

  /**
   * Sends the answer to the command at {@code index} now if that is safe, or later when it is;
   * {@code abandon} runs instead if this leadership ends first, or if none runs now: a command of
   * an ended leadership applied before the next one started here (or after another replica took
   * over) may have changed files that sessions cache, and nobody here knows which. The client
   * retries with the same sequence, and the serving leader answers once its caches drained.
   */
  void answer(long index, Runnable send, Runnable abandon) {
    if (epoch == 0) {
      abandon.run();
      return;
    }
    if (held.isEmpty() && safe(index)) {
      send.run();
    } else {
      held.addLast(new Held(index, send, abandon));
    }
  }

  private boolean safe(long index) {
    if (listing || !draining.isEmpty()) {
      return false;
    }
    if (pendingCount == 0) {
      return true;
    }
    for (Cacher c : cachers.values()) {
      Pending oldest = c.pending.peekFirst();
      if (oldest != null && oldest.index <= index) {
        return false;
      }
    }
    return true;
  }

  private void releaseHeld() {
    while (!held.isEmpty() && safe(held.peekFirst().index())) {
      held.removeFirst().send().run();
    }
  }

  int heldAnswers() {
    return held.size();
  }

  /** Invalidations sent to caching sessions and not yet acknowledged, over all of them. */
  int pendingInvalidations() {
    return pendingCount;
  }

  // ---- the KeepAlive stream --------------------------------------------------------------------

  /** A KeepAlive from the session: what it acknowledged. */
  void onKeepAlive(long sessionId, long clientEpoch, long ackedSeq) {
    if (epoch == 0) {
      return;
    }
    if (clientEpoch == epoch) {
      draining.remove(sessionId);
      Cacher cacher = cachers.get(sessionId);
      if (cacher != null) {
        while (!cacher.pending.isEmpty()
            && cacher.pending.peekFirst().seq <= ackedSeq
            && cacher.pending.peekFirst().sent) {
          cacher.pending.removeFirst();
          pendingCount--;
        }
      }
    }
    releaseHeld();
  }

  /** Gives {@code each} every session with an invalidation it was not sent yet. */
  void sessionsWithUnsent(java.util.function.LongConsumer each) {
    for (Map.Entry<Long, Cacher> e : cachers.entrySet()) {
      if (hasUnsent(e.getKey())) {
        each.accept(e.getKey());
      }
    }
  }

  /** True if the session has an invalidation it was not sent yet. */
  boolean hasUnsent(long sessionId) {
    Cacher cacher = cachers.get(sessionId);
    return cacher != null && !cacher.pending.isEmpty() && !cacher.pending.peekLast().sent;
  }

  /** Every invalidation the session has not acknowledged, oldest first; marks them sent. */
  List<CacheInvalidation> toSend(long sessionId) {
    Cacher cacher = cachers.get(sessionId);
    if (cacher == null || cacher.pending.isEmpty()) {
      return List.of();
    }
    List<CacheInvalidation> out = new ArrayList<>(cacher.pending.size());
    for (Pending p : cacher.pending) {
      p.sealed = true;
      p.sent = true;
      out.add(CacheInvalidation.newBuilder().setSeq(p.seq).addAllPaths(p.paths).build());
    }
    return out;
  }

  /**
   * False while the session has an invalidation pending for half its lease or longer: it then gets
   * no more lease, so that its deadline bounds how long writes wait for it.
   */
  boolean mayExtendLease(long sessionId, long leaseMillis, long nowMillis) {
    Cacher cacher = cachers.get(sessionId);
    Pending oldest = cacher == null ? null : cacher.pending.peekFirst();
    return oldest == null || nowMillis - oldest.issuedAtMillis < leaseMillis / 2;
  }

  // ---- time and session ends -------------------------------------------------------------------

  /**
   * Gives up on sessions whose client can no longer serve from its cache: those whose deadline on
   * this leader passed ({@code deadlineOf} answers {@link Long#MIN_VALUE} for a session that is
   * gone), and inherited ones that outlasted the earlier leader's lease.
   */
  void onTick(long nowMillis, LongUnaryOperator deadlineOf) {
    if (epoch == 0) {
      return;
    }
    if (!draining.isEmpty()) {
      draining.entrySet().removeIf(e -> nowMillis >= e.getValue());
    }
    if (pendingCount > 0) { // runs every tick: visit the cachers only when one owes an answer
      List<Long> lapsed = new ArrayList<>();
      for (Map.Entry<Long, Cacher> e : cachers.entrySet()) {
        if (!e.getValue().pending.isEmpty() && nowMillis >= deadlineOf.applyAsLong(e.getKey())) {
          lapsed.add(e.getKey());
        }
      }
      lapsed.forEach(this::forget);
    }
    releaseHeld();
  }

  /** The session ended (closed or expired): it caches nothing any more. */
  void sessionEnded(long sessionId) {
    draining.remove(sessionId);
    forget(sessionId);
    releaseHeld();
  }

  private void forget(long sessionId) {
    Cacher cacher = cachers.remove(sessionId);
    if (cacher == null) {
      return;
    }
    pendingCount -= cacher.pending.size();
    for (String path : cacher.files) {
      Set<Long> sessions = cachedBy.get(path);
      if (sessions != null && sessions.remove(sessionId) && sessions.isEmpty()) {
        cachedBy.remove(path);
      }
    }
  }
}
