package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares state-machine checksums across the cell, as etcd's hash checks do: every replica reports
 * the checksum of its state at some applied indexes, and at an index for which a majority of the
 * cell reported one and the same checksum, that checksum is the cell's; a replica that reported
 * another one there has diverged. Equal commands applied in equal order give equal states, so a
 * difference means a replica applied something the others did not (a forged message, a bug, a
 * damaged disk): it must not serve, vote or hand out its state any more.
 *
 * <p>Only a bounded history is kept per replica ({@link #HISTORY} indexes), so a replica that lags
 * far behind is judged once it reaches an index the others still remember.
 */
final class StateChecksums {
  static final int HISTORY = 16;

  /** The cell's checksum at {@code index}, and who reported another one there. */
  record Verdict(long index, long majority, List<Integer> agree, List<Integer> differ) {}

  private final int self;
  private final java.util.function.IntSupplier majority;
  private final Map<Integer, TreeMap<Long, Long>> reports = new TreeMap<>();

  StateChecksums(int self, int majority) {
    this(self, () -> majority);
  }

  /** A majority that follows the cell's configuration as it changes. */
  StateChecksums(int self, java.util.function.IntSupplier majority) {
    this.self = self;
    this.majority = majority;
  }

  /** Records a checksum reported by {@code replica} (this one included); judges its index. */
  Verdict report(int replica, long index, long checksum) {
    TreeMap<Long, Long> history = reports.computeIfAbsent(replica, r -> new TreeMap<>());
    history.put(index, checksum);
    while (history.size() > HISTORY) {
      history.pollFirstEntry();
    }
    return judge(index);
  }

  /** This replica's latest own checksum as {index, checksum}, or null if it took none. */
  long[] latestOwn() {
    TreeMap<Long, Long> mine = reports.get(self);
    if (mine == null || mine.isEmpty()) {
      return null;
    }
    Map.Entry<Long, Long> last = mine.lastEntry();
    return new long[] {last.getKey(), last.getValue()};
  }

  /** Forgets this replica's own reports: its state was replaced by a healthy peer's. */
  void forgetOwn() {
    reports.remove(self);
  }

  /** Null while no checksum at {@code index} has a majority behind it. */
  Verdict judge(long index) {
    Map<Long, List<Integer>> byChecksum = new TreeMap<>();
    for (Map.Entry<Integer, TreeMap<Long, Long>> e : reports.entrySet()) {
      Long checksum = e.getValue().get(index);
      if (checksum != null) {
        byChecksum.computeIfAbsent(checksum, c -> new ArrayList<>()).add(e.getKey());
      }
    }
    for (Map.Entry<Long, List<Integer>> e : byChecksum.entrySet()) {
      if (e.getValue().size() >= majority.getAsInt()) {
        List<Integer> differ = new ArrayList<>();
        byChecksum.forEach(
            (checksum, replicas) -> {
              if (!checksum.equals(e.getKey())) {
                differ.addAll(replicas);
              }
            });
        return new Verdict(index, e.getKey(), List.copyOf(e.getValue()), differ);
      }
    }
    return null;
  }
}
