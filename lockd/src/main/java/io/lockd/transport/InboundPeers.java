package io.lockd.transport;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inbound streams this replica has open, at most one per peer id, and the rule that keeps an
 * impostor from taking a connected replica's place. Without authentication (issue 8 brings mutual
 * TLS) a process that claims an id cannot be told from the replica itself, but a replica never
 * opens a second stream while its first one lives: a second claim of an id whose stream is alive is
 * refused (ALREADY_EXISTS).
 *
 * <p>A replica that restarted is let back in at once when its old stream ended, which a killed
 * process's connection resets tell within a round trip. When its old connection went silent instead
 * (power loss, a partition, a frozen host), the stream looks alive until HTTP/2 keepalive gives up
 * on it; so a stream that delivered nothing for {@code silentMillis} counts as dead, and a new
 * claim of its id replaces it. Every replica sends every peer at least a state checksum every
 * couple of seconds (docs/consensus.md), so a live replica's stream is never that silent.
 */
final class InboundPeers {
  /** One open inbound stream. */
  interface Stream {
    /** When it last delivered an envelope (or opened), in {@link System#nanoTime} terms. */
    long lastHeardNanos();

    /** Ends it: a newer stream of the same id replaces it. */
    void replace(Status why);
  }

  private final int selfId;
  private final long silentNanos;
  private final Map<Integer, Stream> open = new TreeMap<>();

  InboundPeers(int selfId, long silentMillis) {
    this.selfId = selfId;
    this.silentNanos = silentMillis * 1_000_000L;
  }

  /** OK if a stream claiming {@code id} may open now, else ALREADY_EXISTS saying why. */
  synchronized Status check(int id) {
    Stream current = open.get(id);
    if (current == null) {
      return Status.OK;
    }
    if (System.nanoTime() - current.lastHeardNanos() >= silentNanos) {
      return Status.OK;
    }
    // The same words every time, so that the handshake's log says it once per impostor.
    return Status.ALREADY_EXISTS.withDescription(
        String.format(
            "replica %d is already connected to replica %d; a second connection claiming its id is"
                + " refused while the first one is alive (it gives way after %d ms of silence)",
            id, selfId, silentNanos / 1_000_000L));
  }

  /** Registers {@code stream} as {@code id}'s, replacing a silent one; not OK if refused. */
  Status claim(int id, Stream stream) {
    Stream replaced;
    synchronized (this) {
      Status verdict = check(id);
      if (!verdict.isOk()) {
        return verdict;
      }
      replaced = open.put(id, stream);
    }
    if (replaced != null) {
      replaced.replace(
          Status.ABORTED.withDescription(
              String.format(
                  "replaced by a newer stream from replica %d: this one was silent for %d ms or more",
                  id, silentNanos / 1_000_000L)));
    }
    return Status.OK;
  }

  /** Ends {@code id}'s stream, if one is open: it is no member any more. */
  void evict(int id, Status why) {
    Stream gone;
    synchronized (this) {
      gone = open.remove(id);
    }
    if (gone != null) {
      gone.replace(why);
    }
  }

  /** {@code stream} ended; its id is free again unless a newer stream already took it. */
  synchronized void release(int id, Stream stream) {
    open.remove(id, stream);
  }
}
