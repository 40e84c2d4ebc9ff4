package io.lockd.sim;

import io.lockd.paxos.StoreWrite;
import io.lockd.replica.WriteSink;
import io.lockd.storage.InMemoryAcceptorStore;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The simulated twin of the group-commit writer: writes reach the in-memory store at once but
 * become durable only when a sync completes after a seed-chosen latency; one sync covers
 * everything written before it started. A crash drops whatever was not yet synced.
 */
final class SimDisk implements WriteSink {
  private final EventQueue events;
  private final InMemoryAcceptorStore store;
  private final long syncMicros;
  private ChosenChecker.View observer;
  private LongConsumer onDurable = t -> {};
  private long lastToken;
  private boolean syncScheduled;
  private long generation;
  private long syncs;
  /** Injected bug: report writes durable before they are (an acceptor answering too early). */
  boolean bugAckBeforeSync;

  SimDisk(EventQueue events, InMemoryAcceptorStore store, long syncMicros) {
    this.events = events;
    this.store = store;
    this.syncMicros = syncMicros;
  }

  InMemoryAcceptorStore store() {
    return store;
  }

  /** Connects a freshly started replica generation. */
  void connect(ChosenChecker.View observer, LongConsumer onDurable) {
    this.observer = observer;
    this.onDurable = onDurable;
  }

  @Override
  public void submit(long token, List<StoreWrite> writes) {
    store.write(writes);
    writes.forEach(observer::observe);
    lastToken = token;
    if (bugAckBeforeSync) {
      onDurable.accept(token);
    }
    if (!syncScheduled) {
      syncScheduled = true;
      long gen = generation;
      events.after(syncMicros, () -> sync(gen));
    }
  }

  private void sync(long gen) {
    if (gen != generation) {
      return;
    }
    syncScheduled = false;
    store.sync();
    syncs++;
    onDurable.accept(lastToken);
  }

  /** The process died: unsynced writes are gone and no pending sync will complete. */
  void crash() {
    generation++;
    syncScheduled = false;
    lastToken = 0;
    store.crash();
  }

  long syncs() {
    return syncs;
  }
}
