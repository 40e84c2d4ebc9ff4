package io.lockd.sim;

import io.lockd.paxos.Message;
import io.lockd.paxos.StoreWrite;
import io.lockd.replica.WriteSink;
import io.lockd.storage.InMemoryAcceptorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The simulated twin of the group-commit writer: writes reach the in-memory store at once but
 * become durable only when a sync completes after a seed-chosen latency; one sync covers everything
 * written before it completes, and then releases the messages that waited for it. As in production,
 * only waiting messages make a sync happen soon; writes nothing waits for are synced at the latest
 * after {@link #LAZY_SYNC_MICROS}. A crash drops whatever was not yet synced, messages included.
 */
final class SimDisk implements WriteSink {
  /** The production writer's {@code LAZY_SYNC_MILLIS}. */
  static final long LAZY_SYNC_MICROS = 100_000;

  private final EventQueue events;
  private final InMemoryAcceptorStore store;
  private final long syncMicros;
  private ChosenChecker.View observer;
  private BiConsumer<Long, List<Message>> release = (t, m) -> {};
  private List<Message> waiting = new ArrayList<>();
  private long lastToken;
  private long durableToken;
  private boolean unsynced;
  private long syncDueAt = Long.MAX_VALUE;
  private long generation;
  private long syncs;

  /** Injected bug: release messages before their writes are durable (answering too early). */
  boolean bugAckBeforeSync;

  SimDisk(EventQueue events, InMemoryAcceptorStore store, long syncMicros) {
    this.events = events;
    this.store = store;
    this.syncMicros = syncMicros;
  }

  InMemoryAcceptorStore store() {
    return store;
  }

  /**
   * Connects a freshly started replica generation; {@code release} gets each durable token with the
   * messages that waited for it (it must send them as inputs of the replica's process).
   */
  void connect(ChosenChecker.View observer, BiConsumer<Long, List<Message>> release) {
    this.observer = observer;
    this.release = release;
  }

  @Override
  public void submit(long token, List<StoreWrite> writes, List<Message> afterDurable) {
    store.write(writes);
    writes.forEach(observer::observe);
    if (!writes.isEmpty()) {
      lastToken = token;
      unsynced = true;
    }
    if (bugAckBeforeSync && !afterDurable.isEmpty()) {
      List<Message> early = List.copyOf(afterDurable);
      long gen = generation;
      events.after(
          0,
          () -> {
            if (gen == generation) {
              release.accept(token, early);
            }
          });
    } else {
      waiting.addAll(afterDurable);
    }
    if (!waiting.isEmpty()) {
      scheduleSync(syncMicros);
    } else if (unsynced) {
      scheduleSync(LAZY_SYNC_MICROS);
    }
  }

  @Override
  public long durableToken() {
    return durableToken;
  }

  private void scheduleSync(long delayMicros) {
    long due = events.nowMicros() + delayMicros;
    if (due >= syncDueAt) {
      return; // an earlier sync covers it
    }
    syncDueAt = due;
    long gen = generation;
    events.after(delayMicros, () -> sync(gen, due));
  }

  private void sync(long gen, long due) {
    if (gen != generation || due != syncDueAt) {
      return; // a crash, or superseded by an earlier sync
    }
    syncDueAt = Long.MAX_VALUE;
    if (unsynced) {
      store.sync();
      syncs++;
      unsynced = false;
      durableToken = lastToken;
    }
    List<Message> released = waiting;
    waiting = new ArrayList<>();
    release.accept(durableToken, released);
  }

  /** The process died: unsynced writes and waiting messages are gone. */
  void crash() {
    generation++;
    syncDueAt = Long.MAX_VALUE;
    waiting = new ArrayList<>();
    unsynced = false;
    lastToken = 0;
    durableToken = 0;
    store.crash();
  }

  long syncs() {
    return syncs;
  }
}
