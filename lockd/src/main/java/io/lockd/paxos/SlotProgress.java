package io.lockd.paxos;

import java.util.Set;
import java.util.TreeSet;

/** A slot the leader proposed and has not yet seen chosen: its value and who accepted it. */
final class SlotProgress {
  final Entry entry;
  final Set<Integer> acceptedBy = new TreeSet<>();
  long lastSentAt;
  boolean chosen;

  SlotProgress(Entry entry, long sentAt) {
    this.entry = entry;
    this.lastSentAt = sentAt;
  }
}
