package io.lockd.paxos;

import io.lockd.invariant.Invariants;

/**
 * What the core asks its driver to make durable, in order, before the messages that depend on it
 * are sent. The driver applies a run of these to an {@code AcceptorStore} and syncs once.
 */
public sealed interface StoreWrite {
  /** The acceptor's promise; never decreases. */
  record Promised(long ballot) implements StoreWrite {}

  /** A value accepted (or learned as chosen) for a slot. */
  record Accepted(Entry entry) implements StoreWrite {}

  /** Every slot up to {@code index} is chosen and its stored value is the chosen one. */
  record Chosen(long index) implements StoreWrite {}

  /**
   * A snapshot of the state machine covering slots up to {@code index}. Storing it drops every
   * accepted entry at or below {@code index}.
   *
   * <p>{@code state} is the core's own bytes, not a copy (here and in {@link Rebuilt}): nobody
   * changes a snapshot's bytes once taken or received, and a copy of a 114 MB snapshot on the
   * replica's loop, with the allocation's zeroing that no safepoint can interrupt, held a leader's
   * whole JVM for 1.3 s in a million-node run (2026-12-07 09:38 UTC).
   */
  record Snapshot(long index, SnapshotBytes state) implements StoreWrite {
    /** A snapshot held in one array (tests, small states). */
    public Snapshot(long index, byte[] state) {
      this(index, SnapshotBytes.of(state));
    }
  }

  /**
   * This replica's diverged state replaced by a healthy peer's snapshot at {@code index} (see
   * {@code AcceptorLog.rebuild}). Storing it replaces the snapshot, even by an older one, drops
   * every entry at or below {@code droppedThrough} (the chosen index before the rebuild, or {@code
   * index} if that is higher: the slots taken as chosen are what diverged) and sets the chosen
   * index to {@code index}: the only write that lowers it. Entries above {@code droppedThrough}
   * stay, as the votes they are; the promise is untouched. Unlike {@link Snapshot}, it is durable
   * with the sync that covers it, so that no restart brings back a dropped slot as chosen.
   */
  record Rebuilt(long index, long droppedThrough, SnapshotBytes state) implements StoreWrite {
    public Rebuilt {
      Invariants.check(
          index >= 0 && droppedThrough >= index,
          "rebuild to index %d dropping through %d",
          index,
          droppedThrough);
    }

    /** A rebuild from a snapshot held in one array (tests, small states). */
    public Rebuilt(long index, long droppedThrough, byte[] state) {
      this(index, droppedThrough, SnapshotBytes.of(state));
    }
  }
}
