package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configurations this replica learned from its chosen log, by the slot each was chosen at. The
 * one chosen at slot i governs slots from i + {@link Membership#ALPHA} on, so the configuration of
 * slot s is known once every slot up to s - ALPHA is chosen. The configuration the cell started
 * with governs from slot 1 until a change does.
 */
final class Configurations {
  private static final long BASE = -Membership.ALPHA;
  private static final int MAX_KEPT = 64;

  private final TreeMap<Long, Membership> bySlot = new TreeMap<>();

  Configurations(Membership initial) {
    bySlot.put(BASE, initial);
  }

  /** The configuration that governs {@code slot}, as far as the chosen log below it is known. */
  Membership governing(long slot) {
    return bySlot.floorEntry(slot - Membership.ALPHA).getValue();
  }

  /** Every configuration that governs a slot from chosen + 1 through chosen + ALPHA. */
  List<Membership> inWindow(long chosen) {
    List<Membership> out = new ArrayList<>();
    out.add(governing(chosen + 1));
    for (Membership m :
        bySlot.subMap(chosen + 1 - Membership.ALPHA, false, chosen, true).values()) {
      if (!out.contains(m)) {
        out.add(m);
      }
    }
    return out;
  }

  /** The newest configuration chosen (it may not govern yet). */
  Membership latest() {
    return bySlot.lastEntry().getValue();
  }

  /** The slot the newest configuration was chosen at (below 1 for the initial one). */
  long latestSlot() {
    return bySlot.lastKey();
  }

  /** True if the newest change already governs {@code slot}: a next change may be proposed. */
  boolean settledAt(long slot) {
    return latestSlot() + Membership.ALPHA <= slot;
  }

  /** A configuration command was chosen at {@code slot}. */
  void learn(long slot, Membership m) {
    bySlot.put(slot, m);
    while (bySlot.size() > MAX_KEPT) {
      bySlot.pollFirstEntry();
    }
  }

  /** Learns the configuration commands among chosen entries. */
  void learn(Entry e) {
    for (Command c : e.value().commands()) {
      Membership m = Membership.fromCommand(c);
      if (m != null) {
        learn(e.slot(), m);
      }
    }
  }

  /** True if {@code id} is a member of a configuration this replica still knows. */
  boolean knows(int id) {
    for (Membership m : bySlot.values()) {
      if (m.contains(id)) {
        return true;
      }
    }
    return false;
  }

  /** The configurations a snapshot at {@code index} must carry: those that govern after it. */
  byte[] encodeAt(long index) {
    Map.Entry<Long, Membership> floor = bySlot.floorEntry(index + 1 - Membership.ALPHA);
    TreeMap<Long, Membership> kept = new TreeMap<>();
    kept.put(floor.getKey(), floor.getValue());
    kept.putAll(bySlot.subMap(index + 1 - Membership.ALPHA, false, index, true));
    WireBytes.Writer w = new WireBytes.Writer().i32(kept.size());
    for (Map.Entry<Long, Membership> e : kept.entrySet()) {
      w.i64(e.getKey()).bytes(e.getValue().encode());
    }
    return w.toArray();
  }

  /**
   * Replaces what is known by the configurations a snapshot carried; false (and nothing changed) if
   * they cannot be read.
   */
  boolean restore(byte[] encoded) {
    TreeMap<Long, Membership> read = new TreeMap<>();
    try {
      WireBytes.Reader in = new WireBytes.Reader(encoded, 0);
      int n = in.i32();
      if (n < 1 || n > MAX_KEPT) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        long slot = in.i64();
        Membership m = Membership.decode(in);
        if (m == null) {
          return false;
        }
        read.put(slot, m);
      }
    } catch (IllegalArgumentException e) {
      return false;
    }
    bySlot.clear();
    bySlot.putAll(read);
    bySlot.put(Math.min(BASE, bySlot.firstKey()), bySlot.firstEntry().getValue());
    return true;
  }

  @Override
  public String toString() {
    return bySlot.toString();
  }
}
