package io.lockd.namespace;

/**
 * How big the namespace is now, for metrics and status: counts only, read in one pass over the
 * sessions (so a caller on the replica's thread pays time proportional to the session count).
 *
 * @param nodes nodes, the root included
 * @param contentBytes the bytes of every file's contents
 * @param sessions open sessions
 * @param locksHeld holders of locks (a shared lock held by three sessions counts three)
 * @param lockWaiters queued acquires
 * @param watches watches, over all sessions
 * @param bufferedEvents events buffered for sessions and not yet acknowledged by their clients
 */
public record NamespaceSizes(
    long nodes,
    long contentBytes,
    long sessions,
    long locksHeld,
    long lockWaiters,
    long watches,
    long bufferedEvents) {

  static NamespaceSizes of(NamespaceState state) {
    long held = 0;
    long waiting = 0;
    long watches = 0;
    long events = 0;
    for (Session s : state.sessions.all()) {
      held += s.heldLocks().size();
      waiting += s.waitingLocks().size();
      watches += s.watches().size();
      events += s.events.size();
    }
    return new NamespaceSizes(
        state.nodes.size(),
        state.nodes.contentBytes(),
        state.sessions.size(),
        held,
        waiting,
        watches,
        events);
  }
}
