package io.lockd.namespace;

import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.SessionInfo;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The reads that answer with a list that grows with the state (a directory's children, the
 * sessions, a lock's holders and waiters), one {@link Page} at a time. Each page is read from the
 * state as it is when asked; its token names the last entry given, in the listing's own order.
 */
final class Listings {
  /**
   * The most bytes of lock paths one session lists in ListSessions (held and awaited together): a
   * session may hold any number of locks, and one session must fit in a page.
   */
  static final int SESSION_LOCK_PATHS_BYTES_MAX = 256 << 10;

  private static final char CHILDREN = 'c';
  private static final char SESSIONS = 's';
  private static final char HOLDERS = 'h';
  private static final char WAITERS = 'w';

  private Listings() {}

  static ListChildrenResponse children(NamespaceState state, ListChildrenRequest r) {
    Node node = Queries.directory(state, r.getPath());
    Page page = Page.of(r.getPageSize());
    String after = Page.position(CHILDREN, r.getPageToken());
    Collection<String> rest =
        after == null ? node.children() : node.children().tailSet(after, false);
    ListChildrenResponse.Builder out =
        ListChildrenResponse.newBuilder().setStat(node.stat()).setIndex(state.appliedIndex);
    String last = null;
    for (String name : rest) {
      if (!page.take(NodePath.utf8Length(name) + 4L)) {
        out.setNextPageToken(Page.token(CHILDREN, last));
        break;
      }
      out.addNames(name);
      last = name;
    }
    return out.build();
  }

  static ListSessionsResponse sessions(NamespaceState state, ListSessionsRequest r) {
    Page page = Page.of(r.getPageSize());
    String after = Page.position(SESSIONS, r.getPageToken());
    Collection<Session> rest =
        after == null ? state.sessions.all() : state.sessions.after(Page.number(after));
    ListSessionsResponse.Builder out =
        ListSessionsResponse.newBuilder().setIndex(state.appliedIndex);
    long last = 0;
    for (Session s : rest) {
      SessionInfo info = listed(s);
      if (!page.take(info.getSerializedSize() + 4L)) {
        out.setNextPageToken(Page.token(SESSIONS, Long.toUnsignedString(last)));
        break;
      }
      out.addSessions(info);
      last = s.id;
    }
    return out.build();
  }

  /**
   * A lock's holders (ascending by session id), then its waiters (in FIFO order). A waiter's token
   * also carries its enqueue time: if that waiter left the queue before the next page, the page
   * starts at the first waiter enqueued no earlier, so a waiter may be listed twice (clients drop
   * the repeat by session id) but is never skipped.
   */
  static GetLockInfoResponse lockInfo(NamespaceState state, GetLockInfoRequest r) {
    Node node = Queries.node(state, r.getPath());
    Page page = Page.of(r.getPageSize());
    String token = r.getPageToken();
    boolean inWaiters = !token.isEmpty() && token.charAt(0) == WAITERS;
    String holder = inWaiters ? null : Page.position(HOLDERS, token);
    Long holdersAfter = holder == null ? null : Page.number(holder);
    WaiterMark waitersAfter = inWaiters ? WaiterMark.parse(Page.position(WAITERS, token)) : null;
    LockInfo.Builder info = Queries.lockHeader(state, node);
    LockState lock = state.locks.find(node.path);
    String next = null;
    if (lock != null) {
      next = inWaiters ? null : holders(state, lock, holdersAfter, page, info);
      if (next == null) {
        next = waiters(state, waitersFrom(lock, waitersAfter), page, info);
      }
    }
    GetLockInfoResponse.Builder out =
        GetLockInfoResponse.newBuilder().setLock(info).setIndex(state.appliedIndex);
    return next == null ? out.build() : out.setNextPageToken(next).build();
  }

  /** Adds the holders after {@code after}; the next page's token, or null if all fit. */
  private static String holders(
      NamespaceState state, LockState lock, Long after, Page page, LockInfo.Builder info) {
    Collection<Holder> rest = after == null ? lock.holders() : lock.holdersAfter(after);
    long last = 0;
    for (Holder h : rest) {
      LockHolder holder = Queries.holder(state, h);
      if (!page.take(holder.getSerializedSize() + 4L)) {
        return Page.token(HOLDERS, Long.toUnsignedString(last));
      }
      info.addHolders(holder);
      last = h.sessionId();
    }
    return null;
  }

  /** Adds waiters from {@code rest}; the next page's token, or null if all fit. */
  private static String waiters(
      NamespaceState state, List<Waiter> rest, Page page, LockInfo.Builder info) {
    Waiter last = null;
    for (Waiter w : rest) {
      LockWaiter waiter = Queries.waiter(state, w);
      if (!page.take(waiter.getSerializedSize() + 4L)) {
        return Page.token(
            WAITERS,
            last == null
                ? "" // the holders filled this page
                : Long.toUnsignedString(last.sessionId())
                    + ":"
                    + Long.toUnsignedString(last.enqueuedMillis()));
      }
      info.addWaiters(waiter);
      last = w;
    }
    return null;
  }

  /** The waiters after the one {@code after} names (null: from the first). */
  private static List<Waiter> waitersFrom(LockState lock, WaiterMark after) {
    List<Waiter> all = List.copyOf(lock.waiters());
    if (after == null) {
      return all;
    }
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).sessionId() == after.sessionId()) {
        return all.subList(i + 1, all.size());
      }
    }
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).enqueuedMillis() >= after.enqueuedMillis()) {
        return all.subList(i, all.size());
      }
    }
    return List.of();
  }

  /** The last waiter a page gave: its session and enqueue time. */
  private record WaiterMark(long sessionId, long enqueuedMillis) {
    /** The mark a token position names; null for "" (the holders filled the last page). */
    static WaiterMark parse(String position) {
      if (position.isEmpty()) {
        return null;
      }
      int colon = position.indexOf(':');
      if (colon < 0) {
        throw Page.badToken();
      }
      return new WaiterMark(
          Page.number(position.substring(0, colon)), Page.number(position.substring(colon + 1)));
    }
  }

  /** A session for ListSessions: the paths of its locks cut to a bounded size. */
  private static SessionInfo listed(Session s) {
    SessionInfo.Builder info = Queries.info(s);
    long left = addPaths(s.heldLocks(), info::addHeldLocks, SESSION_LOCK_PATHS_BYTES_MAX);
    addPaths(s.waitingLocks(), info::addWaitingLocks, left);
    return info.build();
  }

  /** Adds paths, in order, while they fit in {@code bytesLeft}; returns what is left. */
  private static long addPaths(Collection<String> paths, Consumer<String> add, long bytesLeft) {
    for (String path : paths) {
      long bytes = NodePath.utf8Length(path) + 4L;
      if (bytes > bytesLeft) {
        return 0;
      }
      add.accept(path);
      bytesLeft -= bytes;
    }
    return bytesLeft;
  }
}
