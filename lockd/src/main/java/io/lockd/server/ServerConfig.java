package io.lockd.server;

import io.lockd.paxos.PaxosConfig;

/**
 * Settings of the server layer (the namespace and consensus have their own).
 *
 * @param graceMillis the failover grace: how long a new leader keeps every inherited session alive
 *     before it may expire any, at least (a session whose lease is longer keeps its whole lease,
 *     stretched by the drift bound). Sized for live clients to find the new leader and reopen their
 *     KeepAlive streams, not for the client's jeopardy grace: every second of it delays the
 *     takeover of a crashed holder's locks after a leader change. Also logged through
 *     ExtendAllSessions so that the log refuses earlier expiries. At most 600 s.
 * @param maxExpiriesInFlight the most ExpireSession commands proposed and not yet applied
 * @param maxStreams the most KeepAlive streams open at once on this replica
 * @param maxStreamsPerSession the most KeepAlive streams of one session (a newer one closes the
 *     oldest: a reconnecting client's old stream may linger until its connection times out)
 * @param reconcileEveryMillis how often the leader compares its session deadlines with the
 *     namespace's sessions (a safety net for outcomes it never heard of)
 * @param unreachableAfterMillis silence after which the status view calls a peer unreachable
 * @param clockDriftBound the largest rate error of any clock, replicas' and clients' (0.01 = 1%): a
 *     new leader waits out an earlier leader's client leases with it (the consensus layer's leases
 *     use the same bound)
 * @param maxCachedFilesPerSession the most files the leader registers as cached by one session;
 *     reads beyond it are answered uncacheable
 * @param maxCallsPerStream the most unanswered calls on one Calls stream; more are answered
 *     RESOURCE_EXHAUSTED at once
 * @param maxParkedRequests the most requests kept waiting for an election to end; more are answered
 *     UNAVAILABLE at once
 * @param parkMillis how long a request waits for an election to end before it is answered
 *     UNAVAILABLE (the client then retries on its own backoff)
 */
public record ServerConfig(
    long graceMillis,
    int maxExpiriesInFlight,
    int maxStreams,
    int maxStreamsPerSession,
    long reconcileEveryMillis,
    long unreachableAfterMillis,
    double clockDriftBound,
    int maxCachedFilesPerSession,
    int maxCallsPerStream,
    int maxParkedRequests,
    long parkMillis) {

  /**
   * The default failover grace. It counts from when the new leader serves, so the election is
   * already behind it; what is left for a live client is noticing (at once when the old leader's
   * connection resets, within its attempt timeout, 2 s by default, when it hangs) and one retry
   * round (its backoff is at most 1 s by default). 5 s covers that with room. Chubby's 45 s, a
   * client's whole jeopardy grace, kept a crashed holder's locks 45 s after any leader change.
   */
  public static final long GRACE_DEFAULT_MILLIS = 5_000;

  public static final int EXPIRIES_IN_FLIGHT_MAX = 256;

  /** Above the default --max-sessions (200,000) by the streams sessions replace while moving. */
  public static final int STREAMS_MAX = 250_000;

  public static final int STREAMS_PER_SESSION_MAX = 4;
  public static final long RECONCILE_EVERY_MILLIS = 60_000;
  public static final long UNREACHABLE_AFTER_MILLIS = 1_000;
  public static final int CACHED_FILES_PER_SESSION_MAX = 10_000;
  public static final int CALLS_PER_STREAM_MAX = 4096;
  public static final int PARKED_REQUESTS_MAX = 10_000;
  public static final long PARK_MILLIS = 1_500;

  /** The largest grace the namespace accepts in ExtendAllSessions. */
  public static final long GRACE_MAX_MILLIS = 600_000;

  public ServerConfig {
    check(
        graceMillis >= 0 && graceMillis <= GRACE_MAX_MILLIS,
        "graceMillis must be within [0, " + GRACE_MAX_MILLIS + "], was " + graceMillis);
    check(maxExpiriesInFlight > 0, "maxExpiriesInFlight must be positive");
    check(maxStreams > 0, "maxStreams must be positive");
    check(maxStreamsPerSession > 0, "maxStreamsPerSession must be positive");
    check(reconcileEveryMillis > 0, "reconcileEveryMillis must be positive");
    check(unreachableAfterMillis > 0, "unreachableAfterMillis must be positive");
    check(clockDriftBound >= 0 && clockDriftBound < 0.5, "clockDriftBound must be in [0, 0.5)");
    check(maxCachedFilesPerSession >= 0, "maxCachedFilesPerSession must not be negative");
    check(maxCallsPerStream > 0, "maxCallsPerStream must be positive");
    check(maxParkedRequests >= 0, "maxParkedRequests must not be negative");
    check(parkMillis >= 0, "parkMillis must not be negative");
  }

  /** The defaults: a failover grace of {@link #GRACE_DEFAULT_MILLIS}. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        GRACE_DEFAULT_MILLIS,
        EXPIRIES_IN_FLIGHT_MAX,
        STREAMS_MAX,
        STREAMS_PER_SESSION_MAX,
        RECONCILE_EVERY_MILLIS,
        UNREACHABLE_AFTER_MILLIS,
        PaxosConfig.CLOCK_DRIFT_BOUND,
        CACHED_FILES_PER_SESSION_MAX,
        CALLS_PER_STREAM_MAX,
        PARKED_REQUESTS_MAX,
        PARK_MILLIS);
  }

  public ServerConfig withGraceMillis(long grace) {
    return new ServerConfig(
        grace,
        maxExpiriesInFlight,
        maxStreams,
        maxStreamsPerSession,
        reconcileEveryMillis,
        unreachableAfterMillis,
        clockDriftBound,
        maxCachedFilesPerSession,
        maxCallsPerStream,
        maxParkedRequests,
        parkMillis);
  }

  public ServerConfig withClockDriftBound(double bound) {
    return new ServerConfig(
        graceMillis,
        maxExpiriesInFlight,
        maxStreams,
        maxStreamsPerSession,
        reconcileEveryMillis,
        unreachableAfterMillis,
        bound,
        maxCachedFilesPerSession,
        maxCallsPerStream,
        maxParkedRequests,
        parkMillis);
  }

  /**
   * How long a client lease of {@code leaseMillis}, granted by a leader before now, can still run
   * as this replica's clock counts: the lease stretched by the drift bound both ways, plus 1 ms for
   * clocks read in whole milliseconds (the inverse of the client's shortening rule).
   */
  public long outlastMillis(long leaseMillis) {
    return (long) Math.ceil(leaseMillis * (1 + clockDriftBound) / (1 - clockDriftBound)) + 1;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
