package io.lockd.server;

/**
 * Settings of the server layer (the namespace and consensus have their own).
 *
 * @param graceMillis how long a new leader keeps every inherited session alive before it may
 *     expire any (Chubby's grace period): clients need this long to find the new leader. Also
 *     logged through ExtendAllSessions so that the log refuses earlier expiries. At most 600 s.
 * @param expiriesInFlightMax the most ExpireSession commands proposed and not yet applied
 * @param streamsMax the most KeepAlive streams open at once on this replica
 * @param streamsPerSessionMax the most KeepAlive streams of one session (a newer one closes the
 *     oldest: a reconnecting client's old stream may linger until its connection times out)
 * @param reconcileEveryMillis how often the leader compares its session deadlines with the
 *     namespace's sessions (a safety net for outcomes it never heard of)
 * @param unreachableAfterMillis silence after which the status view calls a peer unreachable
 */
public record ServerConfig(
    long graceMillis,
    int expiriesInFlightMax,
    int streamsMax,
    int streamsPerSessionMax,
    long reconcileEveryMillis,
    long unreachableAfterMillis) {

  /** The largest grace the namespace accepts in ExtendAllSessions. */
  public static final long GRACE_MAX_MILLIS = 600_000;

  public ServerConfig {
    check(graceMillis >= 0 && graceMillis <= GRACE_MAX_MILLIS,
        "graceMillis must be within [0, " + GRACE_MAX_MILLIS + "], was " + graceMillis);
    check(expiriesInFlightMax > 0, "expiriesInFlightMax must be positive");
    check(streamsMax > 0, "streamsMax must be positive");
    check(streamsPerSessionMax > 0, "streamsPerSessionMax must be positive");
    check(reconcileEveryMillis > 0, "reconcileEveryMillis must be positive");
    check(unreachableAfterMillis > 0, "unreachableAfterMillis must be positive");
  }

  /** Chubby-like defaults: 45 s grace. */
  public static ServerConfig defaults() {
    return new ServerConfig(45_000, 256, 100_000, 4, 60_000, 1_000);
  }

  public ServerConfig withGraceMillis(long grace) {
    return new ServerConfig(grace, expiriesInFlightMax, streamsMax, streamsPerSessionMax,
        reconcileEveryMillis, unreachableAfterMillis);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
