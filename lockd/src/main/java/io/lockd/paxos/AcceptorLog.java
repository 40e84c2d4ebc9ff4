package io.lockd.paxos;

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
  private byte[] snapshot = new byte[0];

  AcceptorLog(List<Entry> recovered, long chosenIndex, long snapshotIndex, byte[] snapshot) {
    for (Entry e : recovered) {
      if (e.slot() > snapshotIndex) {
        entries.put(e.slot(), e);
      }
    }
    this.snapshotIndex = snapshotIndex;
    this.snapshot = snapshot.clone();
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

  byte[] snapshot() {
    return snapshot;
  }

  long lastSlot() {
    return entries.isEmpty() ? snapshotIndex : Math.max(snapshotIndex, entries.lastKey());
  }

  /**
   * Stores {@code e} unless the slot is already chosen here or holds a value at a higher ballot.
   * A proposal for a chosen slot can still arrive from a deposed leader with a lower ballot; it is
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
      Invariants.check(old.ballot() != e.ballot() || old.value().equals(e.value()),
          "two values for slot %d at one ballot %s", e.slot(), Ballot.toString(e.ballot()));
      return false;
    }
    entries.put(e.slot(), e);
    return true;
  }

  /**
   * Agreement, checked on the receiving side: a value learned as chosen must equal the value
   * already chosen here, if this replica still holds it.
   */
  void checkChosen(Entry chosen) {
    Entry mine = entries.get(chosen.slot());
    Invariants.check(chosen.slot() > chosenIndex || mine == null
            || mine.value().equals(chosen.value()),
        "two different values for chosen slot %d: chosen here at ballot %s, learned at %s",
        chosen.slot(), mine == null ? "-" : Ballot.toString(mine.ballot()),
        Ballot.toString(chosen.ballot()));
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
  void installSnapshot(long index, byte[] state) {
    Invariants.check(index >= snapshotIndex, "snapshot must not go back");
    entries.headMap(index, true).clear();
    snapshotIndex = index;
    snapshot = state.clone();
    chosenIndex = Math.max(chosenIndex, index);
  }

  int size() {
    return entries.size();
  }
}
