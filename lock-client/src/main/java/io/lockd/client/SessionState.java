package io.lockd.client;

/**
 * The life of a session, as the client sees it:
 *
 * <pre>
 *   CONNECTED ──local lease ran out──▶ JEOPARDY ──grace period over──▶ EXPIRED
 *       ▲                                 │
 *       └─────── a leader answered ───────┘
 *   CONNECTED or JEOPARDY ──close()──▶ CLOSED;  the cell ended it ──▶ EXPIRED
 * </pre>
 *
 * <p>In {@link #JEOPARDY} the client cannot tell whether the cell still considers the session
 * alive: locks must be treated as possibly lost (their "lock lost" callbacks fire), but the session
 * may come back, with its locks, when a (new) leader answers within the grace period.
 *
 * <pre>{@code
 * client.session().addListener((s, from, to) -> log.info("session {} {} -> {}", s.id(), from, to));
 * }</pre>
 */
public enum SessionState {
  /** The local lease is valid: the cell considers the session alive at least until it ends. */
  CONNECTED,
  /** The local lease ran out; the client is trying to reach a leader within the grace period. */
  JEOPARDY,
  /**
   * The session is over (lease lost, grace exhausted, or ended by the cell or an administrator).
   */
  EXPIRED,
  /** The application closed the session; its locks were released without lock-delay. */
  CLOSED;

  /** True for the two final states. */
  public boolean isTerminal() {
    return this == EXPIRED || this == CLOSED;
  }
}
