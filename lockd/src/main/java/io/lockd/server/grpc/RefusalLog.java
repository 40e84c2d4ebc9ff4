package io.lockd.server.grpc;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused unreadable requests without letting a client flood the log: at most one short line
 * per interval, counting the refusals it left out. A refusal is the client's mistake, and the
 * client gets the whole message in its status; the log line is for an operator who wonders why a
 * client fails.
 */
final class RefusalLog {
  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);
  static final long INTERVAL_MILLIS = 10_000;

  private final int selfId;
  // Guarded by this.
  private boolean logged;
  private long nextAtNanos;
  private long leftOut;

  RefusalLog(int selfId) {
    this.selfId = selfId;
  }

  /** Notes a refusal; logs it if no line was logged within the interval. */
  void refused(String method, Object peer, String why) {
    long left;
    synchronized (this) {
      long now = System.nanoTime();
      if (logged && now - nextAtNanos < 0) {
        leftOut++;
        return;
      }
      logged = true;
      nextAtNanos = now + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS);
      left = leftOut;
      leftOut = 0;
    }
    log.warn(
        "replica {}: refused an unreadable {} request from {}: {}{}",
        selfId,
        method,
        peer,
        why,
        left == 0 ? "" : " (and " + left + " more since the last such line)");
  }
}
