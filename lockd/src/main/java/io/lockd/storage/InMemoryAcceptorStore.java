package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** TEMPORARY minimal twin (replaced by the storage branch). */
public final class InMemoryAcceptorStore implements AcceptorStore {
  private long promised;
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private long chosen;
  private long snapIndex;
  private byte[] snap = new byte[0];
  private final List<StoreWrite> unsynced = new ArrayList<>();
  private boolean forgetPromise;

  public void forgetPromiseOnCrash(boolean on) {
    forgetPromise = on;
  }

  @Override
  public RecoveredState recover() {
    return new RecoveredState(promised, new ArrayList<>(entries.values()), chosen, snapIndex, snap);
  }

  @Override
  public void write(List<StoreWrite> writes) {
    unsynced.addAll(writes);
  }

  @Override
  public void sync() {
    for (StoreWrite w : unsynced) {
      if (w instanceof StoreWrite.Promised p) {
        promised = Math.max(promised, p.ballot());
      } else if (w instanceof StoreWrite.Accepted a) {
        entries.put(a.entry().slot(), a.entry());
      } else if (w instanceof StoreWrite.Chosen c) {
        chosen = Math.max(chosen, c.index());
      } else if (w instanceof StoreWrite.Snapshot s) {
        if (s.index() > snapIndex) {
          snapIndex = s.index();
          snap = s.state();
          entries.headMap(s.index(), true).clear();
          chosen = Math.max(chosen, s.index());
        }
      }
    }
    unsynced.clear();
  }

  public void crash() {
    unsynced.clear();
    if (forgetPromise) {
      promised = 0;
    }
  }

  @Override
  public void close() {}
}
