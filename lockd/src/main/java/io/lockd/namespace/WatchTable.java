package io.lockd.namespace;

import io.lockd.proto.v1.WatchKind;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who watches what: the subscribed session ids of every watched (path, kind), the reverse of each
 * session's own watch set. Kept in step with the sessions by {@link #add} and {@link #remove}.
 */
final class WatchTable {
  private final TreeMap<WatchKey, TreeSet<Long>> subscribers = new TreeMap<>();

  /** The sessions watching {@code path} for {@code kind}, ascending. */
  NavigableSet<Long> subscribers(String path, WatchKind kind) {
    TreeSet<Long> s = subscribers.get(new WatchKey(path, kind));
    return s == null ? Collections.emptyNavigableSet() : Collections.unmodifiableNavigableSet(s);
  }

  void add(Session session, WatchKey key) {
    subscribers.computeIfAbsent(key, k -> new TreeSet<>()).add(session.id);
    session.addWatch(key);
  }

  void remove(Session session, WatchKey key) {
    TreeSet<Long> s = subscribers.get(key);
    if (s != null) {
      s.remove(session.id);
      if (s.isEmpty()) {
        subscribers.remove(key);
      }
    }
    session.removeWatch(key);
  }

  /** Drops every watch of an ending session. */
  void removeAll(Session session) {
    for (WatchKey key : new TreeSet<>(session.watches())) {
      remove(session, key);
    }
  }
}
