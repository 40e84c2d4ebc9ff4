package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log store in a temporary directory, opened with small segments, and an in-memory store fed the
 * same writes: the state the log store must recover.
 */
abstract class LogStoreFixture {
  @TempDir Path dir;
  Path store;
  final InMemoryAcceptorStore reference = new InMemoryAcceptorStore();

  @BeforeEach
  void createStorePath() {
    store = dir.resolve("store");
  }

  /** Small segments; tests that count segments raise the checkpoint threshold. */
  LogStoreOptions options() {
    return LogAcceptorStoreTest.SMALL;
  }

  LogAcceptorStore open() {
    return LogAcceptorStore.open(store, options());
  }

  /** Writes and syncs one group to {@code log} and to the reference. */
  void write(LogAcceptorStore log, List<StoreWrite> writes) {
    log.write(writes);
    log.sync();
    reference.write(writes);
    reference.sync();
  }
}
