package io.lockd.transport;

import java.util.concurrent.atomic.AtomicLong;

/** Running totals for one peer. Updated from several threads, read by {@link PeerStats}. */
final class PeerCounters {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong sentBytes = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong receivedBytes = new AtomicLong();

  /** One message of {@code bytes} encoded bytes handed to the stream (0 for this replica). */
  void sent(int bytes) {
    sent.incrementAndGet();
    sentBytes.addAndGet(bytes);
  }

  void dropped(long count) {
    dropped.addAndGet(count);
  }

  /** One message of {@code bytes} encoded bytes passed on (0 from this replica itself). */
  void received(int bytes) {
    received.incrementAndGet();
    receivedBytes.addAndGet(bytes);
  }

  PeerStats snapshot(boolean connected, String lastFailure) {
    return new PeerStats(
        sent.get(),
        sentBytes.get(),
        dropped.get(),
        received.get(),
        receivedBytes.get(),
        connected,
        lastFailure);
  }
}
