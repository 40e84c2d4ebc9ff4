package io.lockd.client;

import java.util.concurrent.TimeUnit;

/** What every part of one client shares: its threads, clock, router and settings. */
final class ClientContext {
  final Loop loop;
  final ClientClock clock;
  final Dispatcher dispatcher;
  final Rpc rpc;
  final Backoff backoff;
  final String clientName;
  final long requestedLeaseMillis;
  final long attemptTimeoutNanos;
  final long operationTimeoutNanos;
  final long graceNanos;
  final double clockDriftBound;
  final int maxQueuedPerSession;

  /** Files a session caches at most; 0: no cache. */
  final int cacheMaxEntries;

  final FileCache.Counters cacheCounters = new FileCache.Counters();

  ClientContext(
      Loop loop,
      ClientClock clock,
      Dispatcher dispatcher,
      Rpc rpc,
      Backoff backoff,
      String clientName,
      long requestedLeaseMillis,
      long attemptTimeoutNanos,
      long operationTimeoutNanos,
      long graceNanos,
      double clockDriftBound,
      int maxQueuedPerSession,
      int cacheMaxEntries) {
    this.cacheMaxEntries = cacheMaxEntries;
    this.loop = loop;
    this.clock = clock;
    this.dispatcher = dispatcher;
    this.rpc = rpc;
    this.backoff = backoff;
    this.clientName = clientName;
    this.requestedLeaseMillis = requestedLeaseMillis;
    this.attemptTimeoutNanos = attemptTimeoutNanos;
    this.operationTimeoutNanos = operationTimeoutNanos;
    this.graceNanos = graceNanos;
    this.clockDriftBound = clockDriftBound;
    this.maxQueuedPerSession = maxQueuedPerSession;
  }

  /** The clock time at which an operation started now must end. */
  long operationDeadline() {
    return clock.nanoTime() + operationTimeoutNanos;
  }

  long operationTimeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(operationTimeoutNanos);
  }

  /**
   * The part of a lease the client may count on: {@code remainingMillis} as measured by the leader,
   * shortened for a client clock that may run slow by the drift bound against the leader's, and by
   * one more millisecond for clocks read in whole milliseconds (the rule the leader's own lease
   * uses, docs/consensus.md).
   */
  long usableLeaseNanos(long remainingMillis) {
    long usable =
        (long) Math.floor(remainingMillis * (1 - clockDriftBound) / (1 + clockDriftBound)) - 1;
    return TimeUnit.MILLISECONDS.toNanos(Math.max(0, usable));
  }
}
