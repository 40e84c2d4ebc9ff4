package io.lockd.storage;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Invariants;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's disk: it tells what was written from what was synced, and {@link #crash}
 * loses what kill -9 of a process using {@link LogAcceptorStore} would. No threads, no clocks, no
 * I/O.
 *
 * <p>Synced promises, entries and chosen indexes are durable at once, as groups in the log are.
 * A snapshot becomes durable only {@code snapshotDurableAfterSyncs} syncs after the sync that
 * first covers it, standing for the checkpoint the log store writes in the background; a crash
 * before then recovers the previous snapshot and every synced entry above it. With 0 (the
 * default) a snapshot is durable with its sync. Every {@link #sync} call counts, including one
 * with nothing to write.
 *
 * <p>State: {@code base} is what a crash keeps for sure; {@code tail} holds synced groups from the
 * first one with a snapshot not yet durable on. Groups are folded into {@code base} as soon as
 * nothing before them is pending, so the tail stays short and no map is copied per sync.
 */
public final class InMemoryAcceptorStore implements AcceptorStore {
  /** A synced group, and the sync count at which its snapshot (if any) becomes durable. */
  private record Group(List<StoreWrite> writes, long durableAt) {
    boolean hasSnapshot() {
      return durableAt >= 0;
    }
  }

  private final int snapshotDurableAfterSyncs;
  private final AcceptorMirror base = new AcceptorMirror();
  private final ArrayDeque<Group> tail = new ArrayDeque<>();

  private AcceptorMeta written = base.meta.copy();
  private final List<StoreWrite> unsynced = new ArrayList<>();

  private boolean forgetPromiseOnCrash;
  private long syncCount;
  private long crashCount;

  /** A store whose snapshots are durable with the sync that covers them. */
  public InMemoryAcceptorStore() {
    this(0);
  }

  /** A store whose snapshots become durable {@code snapshotDurableAfterSyncs} syncs late. */
  public InMemoryAcceptorStore(int snapshotDurableAfterSyncs) {
    Invariants.check(snapshotDurableAfterSyncs >= 0, "snapshot delay must not be negative");
    this.snapshotDurableAfterSyncs = snapshotDurableAfterSyncs;
  }

  /**
   * Test fault injection, for the simulation only: when on, {@link #crash} also loses the
   * promised ballot, as a store that keeps its promise in a cache instead of on disk would. A
   * correct Paxos must then be caught violating safety by the simulation's checkers. Off by
   * default; {@link LogAcceptorStore} has no such switch.
   */
  public void forgetPromiseOnCrash(boolean on) {
    this.forgetPromiseOnCrash = on;
  }

  /**
   * Reads what a restarted process would find. As on a real disk, it sees nothing unsynced;
   * calling it with unsynced writes pending is a misuse (the contract says recover comes before
   * any write) and fails. A restart abandons snapshots not yet durable, as the log store's
   * checkpoint thread dies with its process.
   */
  @Override
  public RecoveredState recover() {
    Invariants.check(unsynced.isEmpty(), "recover() with unsynced writes: crash() or sync() first");
    loseUndurableSnapshots();
    return base.recovered();
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
    syncCount++;
    if (!unsynced.isEmpty()) {
      boolean snapshot = unsynced.stream().anyMatch(w -> w instanceof StoreWrite.Snapshot);
      long durableAt = snapshot ? syncCount + snapshotDurableAfterSyncs : -1;
      tail.add(new Group(List.copyOf(unsynced), durableAt));
      unsynced.clear();
    }
    // Groups before and including a snapshot whose time has come are what its checkpoint
    // covers; groups without a snapshot and nothing pending before them replay the same either
    // way. Either kind joins the base.
    while (!tail.isEmpty() && (!tail.peek().hasSnapshot() || tail.peek().durableAt <= syncCount)) {
      tail.poll().writes.forEach(base::apply);
    }
  }

  /**
   * Simulates kill -9 and restart: everything written since the last {@link #sync} is gone, and
   * so is every snapshot not yet durable (the entries and scalars synced with it stay). The
   * caller then calls {@link #recover} as a restarted replica would.
   */
  public void crash() {
    unsynced.clear();
    loseUndurableSnapshots();
    if (forgetPromiseOnCrash) {
      base.meta.promised = Ballot.ZERO;
    }
    written = base.meta.copy();
    crashCount++;
  }

  /** Replays the tail without its snapshots, as recovery replays the log after a checkpoint. */
  private void loseUndurableSnapshots() {
    for (Group group : tail) {
      for (StoreWrite w : group.writes) {
        if (!(w instanceof StoreWrite.Snapshot)) {
          base.apply(w);
        }
      }
    }
    tail.clear();
    base.takeSnapshotChanged();
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

  /** Synced groups whose snapshot a crash now would lose, and the groups after them. */
  public int groupsAwaitingSnapshotDurability() {
    return tail.size();
  }

  @Override
  public void close() {
    // Nothing is held open. Unsynced writes stay pending, as they would in a file nobody synced.
  }
}
