package io.lockd.storage;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Invariants;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The simulation's disk: it tells what was written from what was synced, and {@link #crash}
 * loses exactly the unsynced part, as kill -9 of a process using {@link MapDbAcceptorStore} does.
 * No threads, no clocks, no I/O.
 *
 * <p>Writes are kept as a list and replayed onto the synced state by {@link #sync}, so the cost of
 * an operation does not grow with the state (no copy of the maps per sync). Only the scalars of
 * the written state are tracked eagerly, to refuse a decreasing promise at {@link #write} time as
 * the real store does.
 */
public final class InMemoryAcceptorStore implements AcceptorStore {
  private final AcceptorMeta synced = AcceptorMeta.empty();
  private final TreeMap<Long, Entry> syncedEntries = new TreeMap<>();
  private byte[] syncedSnapshot = new byte[0];
  private final SyncedSink sink = new SyncedSink();

  private AcceptorMeta written = synced.copy();
  private final List<StoreWrite> unsynced = new ArrayList<>();

  private boolean forgetPromiseOnCrash;
  private long syncCount;
  private long crashCount;

  /**
   * Test fault injection, for the simulation only: when on, {@link #crash} also loses the
   * promised ballot, as a store that keeps its promise in a cache instead of on disk would. A
   * correct Paxos must then be caught violating safety by the simulation's checkers. Off by
   * default; {@link MapDbAcceptorStore} has no such switch.
   */
  public void forgetPromiseOnCrash(boolean on) {
    this.forgetPromiseOnCrash = on;
  }

  /**
   * Reads the synced state. As on a real disk, it sees nothing unsynced; calling it with unsynced
   * writes pending is a misuse (the contract says recover comes before any write) and fails.
   */
  @Override
  public RecoveredState recover() {
    Invariants.check(unsynced.isEmpty(), "recover() with unsynced writes: crash() or sync() first");
    return new RecoveredState(
        synced.promised,
        List.copyOf(syncedEntries.values()),
        synced.chosenIndex,
        synced.snapshotIndex,
        syncedSnapshot.clone());
  }

  @Override
  public void write(List<StoreWrite> writes) {
    AcceptorMeta next = written.copy();
    for (StoreWrite w : writes) {
      next.apply(w, AcceptorMeta.DISCARD);
    }
    written = next;
    unsynced.addAll(writes);
  }

  @Override
  public void sync() {
    for (StoreWrite w : unsynced) {
      synced.apply(w, sink);
    }
    unsynced.clear();
    syncCount++;
  }

  /**
   * Simulates kill -9 and restart: everything written since the last {@link #sync} is gone. The
   * caller then calls {@link #recover} as a restarted replica would.
   */
  public void crash() {
    unsynced.clear();
    if (forgetPromiseOnCrash) {
      synced.promised = Ballot.ZERO;
    }
    written = synced.copy();
    crashCount++;
  }

  /** How many times {@link #sync} ran: the simulation's count of fsyncs. */
  public long syncCount() {
    return syncCount;
  }

  public long crashCount() {
    return crashCount;
  }

  /** Writes that a crash now would lose. */
  public int unsyncedWrites() {
    return unsynced.size();
  }

  @Override
  public void close() {
    // Nothing is held open. Unsynced writes stay pending, as they would in a file nobody synced.
  }

  /** Applies the non-scalar parts of synced writes to the maps. */
  private final class SyncedSink implements AcceptorMeta.Sink {
    @Override
    public void putEntry(Entry entry) {
      syncedEntries.put(entry.slot(), entry);
    }

    @Override
    public void dropEntries(long afterSlot, long throughSlot) {
      syncedEntries.headMap(throughSlot, true).clear();
    }

    @Override
    public void putSnapshot(long index, byte[] state) {
      // StoreWrite.Snapshot already holds its own copy, which nobody else writes to.
      syncedSnapshot = state;
    }
  }
}
