package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.StoreWrite;
import java.util.List;

/**
 * The scalar part of an acceptor's stored state and the one definition of how a {@link StoreWrite}
 * changes a store. Every store runs its writes through {@link #apply} (the log store also when it
 * replays its log), so the log and the in-memory store cannot drift apart in meaning:
 *
 * <ul>
 *   <li>{@code Promised}: a lower ballot than the stored one is refused (an invariant violation);
 *       an equal one is a no-op.
 *   <li>{@code Accepted}: stored, unless its slot is at or below the snapshot index, where the
 *       snapshot already covers it and the entry would only be garbage that truncation never
 *       reaches again.
 *   <li>{@code Chosen}: the chosen index only rises; a lower one is ignored (learning arrives out
 *       of order).
 *   <li>{@code Snapshot}: replaces the stored snapshot, drops entries at or below its index and
 *       raises the chosen index to at least it. One older than the stored snapshot is ignored: the
 *       newer one covers it.
 *   <li>{@code Rebuilt}: replaces the stored snapshot whatever its index, drops entries at or below
 *       its {@code droppedThrough} and sets the chosen index to its index, lower or not: the slots
 *       a diverged replica took as chosen are gone, on disk as in memory. Entries above {@code
 *       droppedThrough} and the promise stay.
 * </ul>
 */
final class AcceptorMeta {
  /** Where {@link #apply} sends the parts of a write that are not scalars. */
  interface Sink {
    void putEntry(Entry entry);

    /** Removes every entry with a slot in {@code (afterSlot, throughSlot]}. */
    void dropEntries(long afterSlot, long throughSlot);

    void putSnapshot(long index, SnapshotBytes state);
  }

  /** For runs that only move the scalars: validation, and the written state of a simulation. */
  static final Sink DISCARD =
      new Sink() {
        @Override
        public void putEntry(Entry entry) {}

        @Override
        public void dropEntries(long afterSlot, long throughSlot) {}

        @Override
        public void putSnapshot(long index, SnapshotBytes state) {}
      };

  long promised;
  long chosenIndex;
  long snapshotIndex;

  AcceptorMeta(long promised, long chosenIndex, long snapshotIndex) {
    Invariants.check(promised >= 0 && snapshotIndex >= 0, "negative promise or snapshot index");
    Invariants.check(chosenIndex >= snapshotIndex, "chosen index below snapshot index");
    this.promised = promised;
    this.chosenIndex = chosenIndex;
    this.snapshotIndex = snapshotIndex;
  }

  static AcceptorMeta empty() {
    return new AcceptorMeta(Ballot.ZERO, 0, 0);
  }

  AcceptorMeta copy() {
    return new AcceptorMeta(promised, chosenIndex, snapshotIndex);
  }

  /**
   * Checks a run of writes against a copy, so that a refused write leaves the store untouched
   * instead of half applied.
   */
  void validate(List<StoreWrite> writes) {
    AcceptorMeta trial = copy();
    for (StoreWrite write : writes) {
      trial.apply(write, DISCARD);
    }
  }

  void apply(StoreWrite write, Sink sink) {
    if (write instanceof StoreWrite.Promised p) {
      Invariants.check(
          p.ballot() >= promised,
          "promised ballot must not decrease: %s after %s",
          Ballot.toString(p.ballot()),
          Ballot.toString(promised));
      promised = p.ballot();
    } else if (write instanceof StoreWrite.Accepted a) {
      if (a.entry().slot() > snapshotIndex) {
        sink.putEntry(a.entry());
      }
    } else if (write instanceof StoreWrite.Chosen c) {
      chosenIndex = Math.max(chosenIndex, c.index());
    } else if (write instanceof StoreWrite.Snapshot s) {
      applySnapshot(s, sink);
    } else if (write instanceof StoreWrite.Rebuilt r) {
      sink.putSnapshot(r.index(), r.state());
      sink.dropEntries(0, r.droppedThrough());
      snapshotIndex = r.index();
      chosenIndex = r.index();
    } else {
      throw new IllegalArgumentException("unknown store write " + write);
    }
  }

  private void applySnapshot(StoreWrite.Snapshot s, Sink sink) {
    Invariants.check(s.index() >= 0, "snapshot index must not be negative, was %d", s.index());
    if (s.index() < snapshotIndex) {
      return;
    }
    sink.putSnapshot(s.index(), s.state());
    sink.dropEntries(snapshotIndex, s.index());
    snapshotIndex = s.index();
    chosenIndex = Math.max(chosenIndex, s.index());
  }
}
