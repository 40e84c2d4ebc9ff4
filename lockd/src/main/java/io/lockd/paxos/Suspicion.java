package io.lockd.paxos;

/**
 * Why this replica distrusts {@code peer}, and since when: its applied index and its monotonic
 * clock at the time.
 */
public record Suspicion(int peer, String reason, long sinceIndex, long sinceMillis) {}
