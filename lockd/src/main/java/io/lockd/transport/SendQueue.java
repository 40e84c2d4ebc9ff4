package io.lockd.transport;

import io.lockd.proto.peer.v1.PeerEnvelope;
import java.util.ArrayDeque;

/**
 * The envelopes waiting for one peer's stream, bounded both in count and in encoded bytes. When
 * full it refuses new envelopes rather than evicting old ones: what is queued keeps its order, and
 * Paxos retransmits whatever was refused.
 */
final class SendQueue {
  private final int maxMessages;
  private final long maxBytes;
  private final ArrayDeque<PeerEnvelope> queue = new ArrayDeque<>();
  private long bytes;

  SendQueue(int maxMessages, long maxBytes) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Adds {@code env} unless that would exceed a bound; returns whether it was added. */
  synchronized boolean offer(PeerEnvelope env) {
    long size = env.getSerializedSize();
    if (queue.size() >= maxMessages || bytes + size > maxBytes) {
      return false;
    }
    queue.addLast(env);
    bytes += size;
    return true;
  }

  /** The oldest envelope, removed, or null if none is waiting. */
  synchronized PeerEnvelope poll() {
    PeerEnvelope env = queue.pollFirst();
    if (env != null) {
      bytes -= env.getSerializedSize();
    }
    return env;
  }

  /** Empties the queue and returns how many envelopes it held. */
  synchronized int clear() {
    int count = queue.size();
    queue.clear();
    bytes = 0;
    return count;
  }

  synchronized int size() {
    return queue.size();
  }
}
