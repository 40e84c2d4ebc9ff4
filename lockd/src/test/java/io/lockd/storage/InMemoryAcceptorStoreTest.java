package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.StoreWrite;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract for the in-memory store whose snapshots are durable with their sync. */
class InMemoryAcceptorStoreTest extends AcceptorStoreContract {

  /** Syncs after the one that covers a snapshot until it is durable. */
  protected int snapshotDelay() {
    return 0;
  }

  @Override
  protected AcceptorStore newStore() {
    return new InMemoryAcceptorStore(snapshotDelay());
  }

  @Override
  protected AcceptorStore restart(AcceptorStore old) {
    ((InMemoryAcceptorStore) old).crash();
    return old;
  }

  @Override
  protected long durableSyncs(AcceptorStore store) {
    return ((InMemoryAcceptorStore) store).syncCount();
  }

  @Override
  protected void makeSnapshotsDurable(AcceptorStore store) {
    for (int i = 0; i < snapshotDelay(); i++) {
      store.sync();
    }
  }

  @Test
  void aCrashKeepsThePromiseUnlessTheFaultIsInjected() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    store.write(List.of(new StoreWrite.Promised(Ballot.of(4, 1))));
    store.sync();

    store.crash();
    assertEquals(Ballot.of(4, 1), store.recover().promised());

    store.forgetPromiseOnCrash(true);
    store.crash();
    assertEquals(Ballot.ZERO, store.recover().promised());
    // After forgetting, a lower promise is accepted again: the bug the simulation must catch.
    store.write(List.of(new StoreWrite.Promised(Ballot.of(1, 2))));
  }

  @Test
  void recoverWithUnsyncedWritesIsAMisuse() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    store.write(List.of(new StoreWrite.Chosen(1)));

    assertEquals(1, store.unsyncedWrites());
    assertThrows(IllegalStateException.class, store::recover);
  }
}
