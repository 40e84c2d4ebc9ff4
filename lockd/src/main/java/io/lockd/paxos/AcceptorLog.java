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
   * Stores {@code e} unless a value at a higher ballot is already here. Two values for one chosen
   * slot must be equal: that is agreement, checked on both sides of every boundary.
   *
   * @return true if the stored value changed (so it must be written)
   */
  boolean put(Entry e) {
    if (e.slot() <= snapshotIndex) {
      return false;
    }
    Entry old = entries.get(e.slot());
    if (old != null && e.slot() <= chosenIndex) {
      Invariants.check(old.value().equals(e.value()),
          "two different values for chosen slot %d", e.slot());
      return false;
    }
    if (old != null && old.ballot() >= e.ballot()) {
      Invariants.check(old.ballot() != e.ballot() || old.value().equals(e.value()),
          "two values for slot %d at one ballot", e.slot());
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
