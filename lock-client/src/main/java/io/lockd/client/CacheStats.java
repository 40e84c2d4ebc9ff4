package io.lockd.client;

/**
 * Counters of a client's consistent cache (see {@link LockClient.Builder#cache(int)}), for
 * dashboards and tests.
 *
 * <pre>{@code
 * CacheStats s = client.cacheStats();
 * log.info("cache: {} hits, {} misses, {} invalidated, {} entries", s.hits(), s.misses(),
 *     s.invalidations(), s.entries());
 * }</pre>
 *
 * @param hits reads answered from the cache
 * @param misses reads that had to ask the leader (cache enabled)
 * @param invalidations files the leader told the cache to drop
 * @param entries files cached now (an estimate)
 */
public record CacheStats(long hits, long misses, long invalidations, long entries) {
  static final CacheStats NONE = new CacheStats(0, 0, 0, 0);
}
