package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.Ballot;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's disk: it tells what was written from what was synced, and {@link #crash} loses
 * what kill -9 of a process using {@link LogAcceptorStore} would. No threads, no clocks, no I/O.
 *
 * <p>Synced promises, entries, chosen indexes and rebuilds ({@link StoreWrite.Rebuilt}, logged with
 * their snapshot) are durable at once, as groups in the log are. A snapshot becomes durable only
 * {@code snapshotDurableAfterSyncs} syncs after the sync that first covers it, standing for the
 * checkpoint the log store writes in the background; a crash before then recovers the previous
 * snapshot and every synced entry above it. With 0 (the default) a snapshot is durable with its
 * sync. Every {@link #sync} call counts, including one with nothing to write.
 *
 * <p>State: {@code base} is what a crash keeps for sure; {@code tail} holds synced groups from the
 * first one with a snapshot not yet durable on. Groups are folded into {@code base} as soon as
 * nothing before them is pending, so the tail stays short and no map is copied per sync.
 *
 * <p>Disk faults (simulation only, {@link #exposeRecentGroups}): the newest synced groups stay in
 * the tail as the bytes the log store would write ({@link GroupFrame}), and a crash may lose the
 * newest of them or corrupt one ({@link #damageAtNextCrash}). Recovery reads them back through the
 * production checks and stops at the first that fails; what a crash keeps for sure besides, as a
 * superblock kept in several copies would, is the promised ballot, the count of synced groups and
 * the highest slot ever accepted. Fewer groups than that count means acknowledged records were
 * lost: {@link #recover} reports the slots they may have covered ({@link
 * RecoveredState#lostThroughSlot}), and the replica must not vote on them until it has learned them
 * again from its peers.
 */
public final class InMemoryAcceptorStore implements AcceptorStore {
  /**
   * A synced group, the sync count at which its snapshot (if any) becomes durable, and its bytes as
   * the log would hold them while it is exposed to disk faults (else null).
   */
  private record Group(long seq, List<StoreWrite> writes, long durableAt, byte[] frame) {
    boolean hasSnapshot() {
      return durableAt >= 0;
    }
  }

  /** What the next crash does to the exposed groups. */
  private record Damage(boolean corrupt, int groupsBack) {}

  private final int snapshotDurableAfterSyncs;
  private final AcceptorMirror base = new AcceptorMirror();
  private final ArrayDeque<Group> tail = new ArrayDeque<>();

  private AcceptorMeta written = base.meta.copy();
  private final List<StoreWrite> unsynced = new ArrayList<>();

  private boolean forgetPromiseOnCrash;
  private long syncCount;
  private long crashCount;

  private int exposedGroups;
  private Damage damageAtNextCrash;
  private long groupSeq;
  private long baseSeq;
  private long superblockPromised;
  private long acceptedThroughSlot;
  private long lostThroughSlot;
  private long damagedRecoveries;
  private boolean hideLostRecords;

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
   * Test fault injection, for the simulation only: when on, {@link #crash} also loses the promised
   * ballot, as a store that keeps its promise in a cache instead of on disk would. A correct Paxos
   * must then be caught violating safety by the simulation's checkers. Off by default; {@link
   * LogAcceptorStore} has no such switch.
   */
  public void forgetPromiseOnCrash(boolean on) {
    this.forgetPromiseOnCrash = on;
  }

  /**
   * Simulation only: keeps the newest {@code groups} synced groups exposed to disk faults ({@link
   * #damageAtNextCrash}) and reads them back through the log's checks at recovery.
   */
  public void exposeRecentGroups(int groups) {
    Invariants.check(groups >= 0, "exposed groups must not be negative");
    this.exposedGroups = groups;
  }

  /**
   * Simulation only: the next {@link #crash} damages the exposed groups, as a disk that lies about
   * a sync or rots does: with {@code corrupt}, one byte of the group {@code groupsBack} before the
   * newest changes; without, the newest {@code groupsBack + 1} groups are lost. Groups with a
   * snapshot are spared (a snapshot lives in its checkpoint, not in the log).
   */
  public void damageAtNextCrash(boolean corrupt, int groupsBack) {
    damageAtNextCrash = new Damage(corrupt, groupsBack);
  }

  /**
   * Test fault injection, for the simulation only: when on, {@link #recover} never reports lost
   * records, as a store without a superblock could not, so the replica votes at once with what is
   * left; the simulation's checkers must catch that.
   */
  public void hideLostRecords(boolean on) {
    this.hideLostRecords = on;
  }

  /** How many recoveries found acknowledged records lost. */
  public long damagedRecoveries() {
    return damagedRecoveries;
  }

  /**
   * Reads what a restarted process would find. As on a real disk, it sees nothing unsynced; calling
   * it with unsynced writes pending is a misuse (the contract says recover comes before any write)
   * and fails. A restart abandons snapshots not yet durable, as the log store's checkpoint thread
   * dies with its process.
   */
  @Override
  public RecoveredState recover() {
    Invariants.check(unsynced.isEmpty(), "recover() with unsynced writes: crash() or sync() first");
    loseUndurableSnapshots();
    RecoveredState found = base.recovered();
    if (hideLostRecords || lostThroughSlot <= found.chosenIndex()) {
      return found; // nothing lost, or learned again since
    }
    return new RecoveredState(
        found.promised(),
        found.accepted(),
        found.chosenIndex(),
        found.snapshotIndex(),
        found.snapshot(),
        lostThroughSlot);
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
      long seq = ++groupSeq;
      List<StoreWrite> writes = List.copyOf(unsynced);
      tail.add(
          new Group(
              seq, writes, durableAt, exposedGroups > 0 ? GroupFrame.encode(seq, writes) : null));
      noteInSuperblock(writes);
      unsynced.clear();
    }
    // Groups before and including a snapshot whose time has come are what its checkpoint
    // covers; groups without a snapshot and nothing pending before them replay the same either
    // way. Either kind joins the base, once it is no longer exposed to disk faults.
    while (tail.size() > exposedGroups
        && (!tail.peek().hasSnapshot() || tail.peek().durableAt <= syncCount)) {
      Group group = tail.poll();
      group.writes.forEach(base::apply);
      baseSeq = group.seq;
    }
  }

  private void noteInSuperblock(List<StoreWrite> writes) {
    for (StoreWrite w : writes) {
      if (w instanceof StoreWrite.Promised p) {
        superblockPromised = Math.max(superblockPromised, p.ballot());
      } else if (w instanceof StoreWrite.Accepted a) {
        acceptedThroughSlot = Math.max(acceptedThroughSlot, a.entry().slot());
      }
    }
  }

  /**
   * Simulates kill -9 and restart: everything written since the last {@link #sync} is gone, and so
   * is every snapshot not yet durable (the entries and scalars synced with it stay). The caller
   * then calls {@link #recover} as a restarted replica would.
   */
  public void crash() {
    unsynced.clear();
    if (damageAtNextCrash != null) {
      damage(damageAtNextCrash);
      damageAtNextCrash = null;
    }
    loseUndurableSnapshots();
    if (forgetPromiseOnCrash) {
      base.meta.promised = Ballot.ZERO;
    }
    written = base.meta.copy();
    crashCount++;
  }

  /**
   * Replays the tail as recovery replays the log after a checkpoint: the groups up to the first
   * that fails the log's checks, without the snapshots that were not durable yet. Groups missing or
   * unreadable mean acknowledged records are lost (see the class comment).
   */
  private void loseUndurableSnapshots() {
    boolean intact = true;
    for (Group group : tail) {
      List<StoreWrite> logged = intact ? readBack(group) : null;
      intact = logged != null;
      boolean snapshotDurable = group.hasSnapshot() && group.durableAt <= syncCount;
      if (intact) {
        // In write order: a snapshot and a rebuild in one group must end as they were written.
        (snapshotDurable ? group.writes : logged).forEach(base::apply);
        baseSeq = group.seq;
      } else if (snapshotDurable) {
        group.writes.stream().filter(w -> w instanceof StoreWrite.Snapshot).forEach(base::apply);
      }
    }
    tail.clear();
    base.takeSnapshotChanged();
    if (baseSeq < groupSeq) {
      // The log goes on after what it still holds; the superblock's promise stands.
      damagedRecoveries++;
      groupSeq = baseSeq;
      base.meta.promised = Math.max(base.meta.promised, superblockPromised);
      lostThroughSlot = Math.max(lostThroughSlot, acceptedThroughSlot);
    }
  }

  /** The group's logged records as recovery reads them, or null if they fail its checks. */
  private static List<StoreWrite> readBack(Group group) {
    if (group.frame == null) {
      return group.writes.stream().filter(w -> !(w instanceof StoreWrite.Snapshot)).toList();
    }
    try {
      return GroupFrame.decode(group.seq, group.frame);
    } catch (StorageCorruptionException e) {
      return null;
    }
  }

  private void damage(Damage d) {
    List<Group> groups = new ArrayList<>(tail);
    int newest = groups.size() - 1;
    if (d.corrupt()) {
      int at = newest - d.groupsBack();
      if (at >= 0 && groups.get(at).frame != null && !groups.get(at).hasSnapshot()) {
        Group g = groups.get(at);
        byte[] rotten = g.frame.clone();
        rotten[d.groupsBack() * 7 % rotten.length] ^= 0x10;
        groups.set(at, new Group(g.seq, g.writes, g.durableAt, rotten));
      }
    } else {
      for (int lost = 0; lost <= d.groupsBack() && !groups.isEmpty(); lost++) {
        Group last = groups.get(groups.size() - 1);
        if (last.frame == null || last.hasSnapshot()) {
          break;
        }
        groups.remove(groups.size() - 1);
      }
    }
    tail.clear();
    tail.addAll(groups);
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
