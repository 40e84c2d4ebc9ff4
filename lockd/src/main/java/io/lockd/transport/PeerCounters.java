package io.lockd.transport;

import java.util.concurrent.atomic.AtomicLong;

/** Running totals for one peer. Updated from several threads, read by {@link PeerStats}. */
final class PeerCounters {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong received = new AtomicLong();

  void sent() {
    sent.incrementAndGet();
  }

  void dropped(long count) {
    dropped.addAndGet(count);
  }

  void received() {
    received.incrementAndGet();
  }

  PeerStats snapshot(boolean connected, String lastFailure) {
    return new PeerStats(sent.get(), dropped.get(), received.get(), connected, lastFailure);
  }
}
