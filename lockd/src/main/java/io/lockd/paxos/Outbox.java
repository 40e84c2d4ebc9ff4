package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;

/** Collects the effects of the inputs since the last {@link Ready}; the parts write into it. */
final class Outbox {
  final List<StoreWrite> writes = new ArrayList<>();
  final List<Message> sendNow = new ArrayList<>();
  final List<Message> sendAfterDurable = new ArrayList<>();
  final List<Entry> chosen = new ArrayList<>();
  final List<Command> abandoned = new ArrayList<>();
  final List<Ready.SnapshotTransfer> transfers = new ArrayList<>();
  Ready.InstalledSnapshot snapshot;
  boolean snapshotWanted;
  private long lastToken;

  void write(StoreWrite w) {
    writes.add(w);
  }

  void now(Message m) {
    sendNow.add(m);
  }

  void afterDurable(Message m) {
    sendAfterDurable.add(m);
  }

  /** Queues a snapshot transfer; it replaces one to the same peer queued in the same round. */
  void transfer(Ready.SnapshotTransfer t) {
    transfers.removeIf(other -> other.to() == t.to());
    transfers.add(t);
  }

  Ready drain() {
    if (!writes.isEmpty()) {
      lastToken++;
    }
    Ready ready =
        new Ready(
            writes,
            lastToken,
            sendNow,
            sendAfterDurable,
            snapshot,
            chosen,
            abandoned,
            snapshotWanted,
            transfers);
    writes.clear();
    sendNow.clear();
    sendAfterDurable.clear();
    chosen.clear();
    abandoned.clear();
    transfers.clear();
    snapshot = null;
    snapshotWanted = false;
    return ready;
  }
}
