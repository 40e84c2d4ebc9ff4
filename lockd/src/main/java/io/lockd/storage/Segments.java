package io.lockd.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The live segment files, by the seq of their first group. The writer adds one when it rolls; the
 * checkpointer removes those a durable checkpoint covers. The lock makes the two agree on which
 * segment follows which.
 */
final class Segments {
  private final NavigableMap<Long, Path> byFirstSeq;

  Segments(NavigableMap<Long, Path> recovered) {
    this.byFirstSeq = new TreeMap<>(recovered);
  }

  synchronized void add(long firstSeq, Path file) {
    byFirstSeq.put(firstSeq, file);
  }

  /**
   * Removes and returns every segment whose groups are all at or below {@code seq}: those whose
   * successor starts at or below {@code seq + 1}. The last segment has no successor, so the one the
   * writer appends to is never among them.
   */
  synchronized List<Path> removeCoveredBy(long seq) {
    List<Path> covered = new ArrayList<>();
    Map.Entry<Long, Path> current = byFirstSeq.firstEntry();
    while (current != null) {
      Map.Entry<Long, Path> next = byFirstSeq.higherEntry(current.getKey());
      if (next == null || next.getKey() > seq + 1) {
        break;
      }
      covered.add(current.getValue());
      byFirstSeq.remove(current.getKey());
      current = next;
    }
    return covered;
  }

  /** A copy of the current set. */
  synchronized NavigableMap<Long, Path> files() {
    return new TreeMap<>(byFirstSeq);
  }
}
