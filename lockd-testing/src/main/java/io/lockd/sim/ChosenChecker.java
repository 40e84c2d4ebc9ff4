package io.lockd.sim;

import io.lockd.paxos.Batch;
import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import io.lockd.storage.RecoveredState;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Agreement: no slot is ever chosen with two different values, across all replicas and all time. It
 * watches what each replica writes to its store: values at or below a replica's chosen index are
 * what that replica considers chosen, and they are compared with the first value any replica ever
 * chose for the slot.
 */
final class ChosenChecker {
  private final Map<Long, Batch> chosen = new HashMap<>();

  /** One replica's view, rebuilt from its store after every restart. */
  final class View {
    private final int replica;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private long chosenIndex;

    View(int replica, RecoveredState recovered) {
      this.replica = replica;
      recovered.accepted().forEach(e -> entries.put(e.slot(), e));
      chosenIndex = recovered.snapshotIndex();
      advance(recovered.chosenIndex());
    }

    void observe(StoreWrite w) {
      if (w instanceof StoreWrite.Accepted a) {
        entries.put(a.entry().slot(), a.entry());
      } else if (w instanceof StoreWrite.Chosen c) {
        advance(c.index());
      } else if (w instanceof StoreWrite.Snapshot s) {
        entries.headMap(s.index(), true).clear();
        chosenIndex = Math.max(chosenIndex, s.index());
      } else if (w instanceof StoreWrite.Rebuilt r) {
        entries.headMap(r.droppedThrough(), true).clear();
        chosenIndex = r.index();
      }
    }

    private void advance(long index) {
      for (long s = chosenIndex + 1; s <= index; s++) {
        Entry e = entries.get(s);
        if (e == null) {
          break; // the replica recovers only as far as it holds values (see AcceptorLog)
        }
        Batch first = chosen.putIfAbsent(s, e.value());
        if (first != null && !first.equals(e.value())) {
          throw new Violation(
              "agreement: slot "
                  + s
                  + " chosen as "
                  + first
                  + " and as "
                  + e.value()
                  + " (replica "
                  + replica
                  + ")");
        }
        chosenIndex = s;
      }
    }
  }

  View view(int replica, RecoveredState recovered) {
    return new View(replica, recovered);
  }

  int slotsChosen() {
    return chosen.size();
  }
}
