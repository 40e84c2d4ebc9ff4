package io.lockd.namespace;

/**
 * What the leader's session bookkeeping needs of a session: its id, lease and whether it caches.
 * Listing these costs no protobuf and no lock paths, so a new leader can take over 100,000 sessions
 * a page at a time without stalling its loop.
 */
public record SessionSummary(long sessionId, long leaseMillis, boolean caching) {}
