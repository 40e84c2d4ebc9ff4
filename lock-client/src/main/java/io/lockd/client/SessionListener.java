package io.lockd.client;

/**
 * Told of every transition of a session's state, in order, on the client's event thread; also told
 * when the cell dropped part of the session's event history ({@link #onResync}).
 *
 * <pre>{@code
 * session.addListener((s, from, to) -> {
 *   if (to == SessionState.JEOPARDY) pauseWork();
 *   if (to == SessionState.CONNECTED) resumeWork();
 *   if (to == SessionState.EXPIRED) restartFromScratch();
 * });
 * }</pre>
 */
@FunctionalInterface
public interface SessionListener {
  void onStateChange(Session session, SessionState from, SessionState to);

  /**
   * The session's event history overflowed on the server: events up to {@code index} were dropped.
   * Watches receive a RESYNC event too; re-read whatever was derived from events.
   */
  default void onResync(Session session, long index) {}
}
