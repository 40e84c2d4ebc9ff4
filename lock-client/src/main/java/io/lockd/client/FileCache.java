package io.lockd.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lockd.proto.v1.CacheInvalidation;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's cache of file contents, kept consistent the way Chubby's is: the leader remembers
 * that the session cached a file and, before it acknowledges any change to it, sends an
 * invalidation on the KeepAlive stream and waits until this cache dropped the file and said so (or
 * the session's lease ran out). So a cached read never returns contents older than an acknowledged
 * write.
 *
 * <p>The rules on this side:
 *
 * <ul>
 *   <li>Entries are served only while the session is CONNECTED with its local lease running; the
 *       cache is emptied when the lease runs out (the leader stops waiting for us then) and when
 *       the leader's cache epoch changes (a new leader does not know what we cached).
 *   <li>An invalidation is applied before the events of the same response, and acknowledged on the
 *       next KeepAlive request, which is sent at once.
 *   <li>An answer is cached only if nothing emptied the cache since the read was sent, it comes
 *       from the current epoch, and no invalidation newer than the one the leader had sent when it
 *       registered the read was applied since (that one may concern this file).
 * </ul>
 *
 * Bounded by entry count (Caffeine, maintenance run on the loop, no thread of its own). Loop thread
 * only, except the counters.
 */
final class FileCache {
  private final Cache<String, NodeData> entries;
  private long epoch;
  private long appliedSeq;
  private long generation;
  private final Counters counters;

  /** The client's counters, shared by its successive sessions' caches. */
  static final class Counters {
    final AtomicLong hits = new AtomicLong();
    final AtomicLong misses = new AtomicLong();
    final AtomicLong invalidated = new AtomicLong();
  }

  FileCache(int maxEntries, Counters counters) {
    this.counters = counters;
    entries = Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
  }

  /** A cached file, or null. The caller checked that the session may serve from its cache. */
  NodeData get(String path) {
    NodeData data = epoch == 0 ? null : entries.getIfPresent(path);
    (data == null ? counters.misses : counters.hits).incrementAndGet();
    return data;
  }

  /** Changes whenever the cache is emptied; a read remembers it when sent. */
  long generation() {
    return generation;
  }

  /** Caches a read's answer if it is still known to be current (see the class comment). */
  void offer(String path, GetContentsAndStatResponse answer, NodeData data, long sentGeneration) {
    if (answer.getCacheable()
        && sentGeneration == generation
        && answer.getCacheEpoch() == epoch
        && epoch != 0
        && appliedSeq <= answer.getInvalidationSeq()
        && path.equals(answer.getStat().getPath())) {
      entries.put(path, data);
    }
  }

  /**
   * Applies a KeepAlive response's cache news; true if the leader is owed an acknowledgement, to be
   * sent at once.
   */
  boolean onKeepAlive(KeepAliveResponse r) {
    boolean owed = false;
    if (r.getCacheEpoch() != epoch) {
      clear();
      epoch = r.getCacheEpoch();
      owed = true;
    }
    for (CacheInvalidation inv : r.getInvalidationsList()) {
      if (inv.getSeq() > appliedSeq) {
        entries.invalidateAll(inv.getPathsList());
        counters.invalidated.addAndGet(inv.getPathsCount());
        appliedSeq = inv.getSeq();
        owed = true;
      }
    }
    return owed;
  }

  /** What the next KeepAlive request tells the leader. */
  void describe(KeepAliveRequest.Builder request) {
    request.setCacheEpoch(epoch).setAckedInvalidationSeq(appliedSeq);
  }

  /** Forgets everything, the epoch too: nothing is served until a leader speaks again. */
  void clear() {
    entries.invalidateAll();
    generation++;
    epoch = 0;
    appliedSeq = 0;
  }

  long size() {
    return entries.estimatedSize();
  }

  static CacheStats stats(Counters c, FileCache current) {
    return new CacheStats(
        c.hits.get(), c.misses.get(), c.invalidated.get(), current == null ? 0 : current.size());
  }
}
