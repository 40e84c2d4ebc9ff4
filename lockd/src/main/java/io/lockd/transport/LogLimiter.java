package io.lockd.transport;

import java.util.HashMap;
import java.util.Map;

/**
 * At most one log line per key and interval, so that a peer (or a forger on the peer port) that
 * sends bad input in a loop cannot flood the log. What it held back is counted and reported with
 * the next line it lets through. Thread-safe; the number of keys is bounded.
 */
public final class LogLimiter {
  private static final int KEYS_MAX = 1_024;

  private final long intervalNanos;
  private final Map<String, long[]> keys = new HashMap<>(); // key -> {last allowed, held back}

  public LogLimiter(long intervalMillis) {
    this.intervalNanos = intervalMillis * 1_000_000L;
  }

  /**
   * Whether to log an event of {@code key} now: -1 if not (it is counted), otherwise how many
   * events of that key were held back since the last line.
   */
  public synchronized long allow(String key) {
    long now = System.nanoTime();
    long[] state = keys.get(key);
    if (state != null && now - state[0] < intervalNanos) {
      state[1]++;
      return -1;
    }
    if (state == null && keys.size() >= KEYS_MAX) {
      keys.clear(); // many distinct keys: forgetting them costs at most one line each
    }
    long heldBack = state == null ? 0 : state[1];
    keys.put(key, new long[] {now, 0});
    return heldBack;
  }
}
