package io.lockd.namespace;

import io.lockd.invariant.Invariants;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

/** The sessions by id. */
final class SessionTable {
  private final TreeMap<Long, Session> sessions = new TreeMap<>();

  /** Sessions with new events or ended, for the server's pushes. */
  final SessionNews news = new SessionNews();

  /** The session, or null. */
  Session find(long id) {
    return sessions.get(id);
  }

  /** The session, or NOT_FOUND (SESSION_NOT_FOUND). */
  Session get(long id) {
    Session s = sessions.get(id);
    if (s == null) {
      throw NamespaceException.sessionNotFound(id);
    }
    return s;
  }

  void add(Session session) {
    Invariants.check(
        sessions.putIfAbsent(session.id, session) == null, "session %d exists", session.id);
  }

  void remove(Session session) {
    Invariants.check(
        sessions.remove(session.id) == session, "session %d is not in the table", session.id);
    news.note(session.id);
  }

  int size() {
    return sessions.size();
  }

  /** The highest id in the table, or 0 if it is empty. */
  long lastId() {
    return sessions.isEmpty() ? 0 : sessions.lastKey();
  }

  /** The sessions with an id above {@code id}, ascending (a listing's next page). */
  Collection<Session> after(long id) {
    return Collections.unmodifiableCollection(sessions.tailMap(id, false).values());
  }

  /** Every session, ascending by id. */
  Collection<Session> all() {
    return Collections.unmodifiableCollection(sessions.values());
  }
}
