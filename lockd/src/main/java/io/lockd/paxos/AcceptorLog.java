package io.lockd.paxos;

import io.lockd.invariant.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replica's copy of the log: the value it holds for each slot above its snapshot, how far the
 * log is known to be chosen, and the latest snapshot. Values at or below {@link #chosenIndex} are
 * the chosen ones; values above it are merely accepted.
 */
final class AcceptorLog {
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private long chosenIndex;
  private long snapshotIndex;

  /**
   * Held as handed in, not copied: nobody changes a snapshot's bytes once taken or received, and a
   * copy of a million-node snapshot (105 MB) on the loop was one of its longest turns.
   */
  private SnapshotBytes snapshot = SnapshotBytes.EMPTY;

  AcceptorLog(List<Entry> recovered, long chosenIndex, long snapshotIndex, SnapshotBytes snapshot) {
    for (Entry e : recovered) {
      if (e.slot() > snapshotIndex) {
        entries.put(e.slot(), e);
      }
    }
    this.snapshotIndex = snapshotIndex;
    this.snapshot = snapshot;
    // A chosen index is only usable as far as the values below it are actually here.
    long usable = snapshotIndex;
    while (usable < chosenIndex && entries.containsKey(usable + 1)) {
      usable++;
    }
    this.chosenIndex = usable;
  }

  Entry get(long slot) {
    return entries.get(slot);
  }

  long chosenIndex() {
    return chosenIndex;
  }

  long snapshotIndex() {
    return snapshotIndex;
  }

  SnapshotBytes snapshot() {
    return snapshot;
  }

  long lastSlot() {
    return entries.isEmpty() ? snapshotIndex : Math.max(snapshotIndex, entries.lastKey());
  }

  /**
   * Stores {@code e} unless the slot is already chosen here or holds a value at a higher ballot. A
   * proposal for a chosen slot can still arrive from a deposed leader with a lower ballot; it is
   * ignored (it can never gather a majority: a majority promised the ballot that chose the slot).
   *
   * @return true if the stored value changed (so it must be written)
   */
  boolean put(Entry e) {
    if (e.slot() <= snapshotIndex || e.slot() <= chosenIndex) {
      return false;
    }
    Entry old = entries.get(e.slot());
    if (old != null && old.ballot() >= e.ballot()) {
      Invariants.check(
          old.ballot() != e.ballot() || old.value().equals(e.value()),
          "two values for slot %d at one ballot %s",
          e.slot(),
          Ballot.toString(e.ballot()));
      return false;
    }
    entries.put(e.slot(), e);
    return true;
  }

  /**
   * Why {@code e}, proposed by a peer, cannot be a legitimate proposal given this log, or null if
   * it can be: another value for a slot chosen here at a ballot at or above the one held (from the
   * ballot that chose a slot on, every proposal carries the chosen value; a lower ballot may be a
   * deposed leader's), or another value at the very ballot held (one proposer, one value).
   */
  String contradiction(Entry e) {
    Entry held = entries.get(e.slot());
    if (held == null || held.value().equals(e.value())) {
      return null;
    }
    if (e.slot() <= chosenIndex && e.ballot() >= held.ballot()) {
      return String.format(
          "proposed another value for slot %d, chosen here, at ballot %s",
          e.slot(), Ballot.toString(e.ballot()));
    }
    if (e.ballot() == held.ballot()) {
      return String.format(
          "proposed a second value for slot %d at ballot %s",
          e.slot(), Ballot.toString(e.ballot()));
    }
    return null;
  }

  /**
   * Why {@code e}, claimed by a peer to be chosen, cannot be, or null if it can: this log holds
   * another value for the slot as chosen.
   */
  String chosenContradiction(Entry e) {
    Entry held = entries.get(e.slot());
    if (e.slot() > chosenIndex || held == null || held.value().equals(e.value())) {
      return null;
    }
    return String.format("claimed another value chosen for slot %d, chosen here", e.slot());
  }

  /**
   * Stores {@code e}, learned from a peer as the chosen value of an unchosen slot, in place of
   * whatever is accepted there. A value chosen at a ballot is the value of every later proposal for
   * its slot, so a different value held at a higher ballot cannot be a real proposal: it came from
   * a forged message, and keeping it would only block learning.
   *
   * @return true if the stored value changed (so it must be written)
   */
  boolean putChosen(Entry e) {
    Invariants.check(
        e.slot() > chosenIndex && e.slot() > snapshotIndex,
        "slot %d learned again after chosen index %d",
        e.slot(),
        chosenIndex);
    Entry old = entries.get(e.slot());
    if (old != null && old.value().equals(e.value()) && old.ballot() >= e.ballot()) {
      return false;
    }
    entries.put(e.slot(), e);
    return true;
  }

  /** Marks every slot up to {@code index} chosen; the caller checked their values are here. */
  void setChosen(long index) {
    Invariants.check(index >= chosenIndex, "chosen index must not go back");
    for (long s = chosenIndex + 1; s <= index; s++) {
      Invariants.check(entries.containsKey(s), "chosen slot %d has no value", s);
    }
    chosenIndex = index;
  }

  /** Entries with slot in ({@code after}, {@code upTo}], at most {@code max} of them. */
  List<Entry> range(long after, long upTo, int max) {
    List<Entry> out = new ArrayList<>();
    for (Map.Entry<Long, Entry> e : entries.subMap(after, false, upTo, true).entrySet()) {
      if (out.size() >= max) {
        break;
      }
      out.add(e.getValue());
    }
    return out;
  }

  /** Entries above {@code after}, in slot order. */
  List<Entry> after(long after) {
    return new ArrayList<>(entries.tailMap(after, false).values());
  }

  /** Replaces everything up to {@code index} by a snapshot (taken here or received). */
  void installSnapshot(long index, SnapshotBytes state) {
    Invariants.check(index >= snapshotIndex, "snapshot must not go back");
    entries.headMap(index, true).clear();
    snapshotIndex = index;
    snapshot = state;
    chosenIndex = Math.max(chosenIndex, index);
  }

  /**
   * Replaces this replica's diverged state by a healthy peer's snapshot at {@code index}. Every
   * slot this replica took as chosen goes with it (those values are what diverged), so the chosen
   * index is the snapshot's, even if that is lower than before; values merely accepted above both
   * stay, as the votes they are.
   *
   * @return the highest slot dropped: what the store must drop too ({@link StoreWrite.Rebuilt})
   */
  long rebuild(long index, SnapshotBytes state) {
    long droppedThrough = Math.max(index, chosenIndex);
    entries.headMap(droppedThrough, true).clear();
    snapshotIndex = index;
    snapshot = state;
    chosenIndex = index;
    return droppedThrough;
  }

  int size() {
    return entries.size();
  }
}
