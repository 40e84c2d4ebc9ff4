package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbAcceptorStoreTest extends AcceptorStoreContract {
  @TempDir Path dir;

  @Override
  protected AcceptorStore newStore() {
    return MapDbAcceptorStore.open(dir.resolve("store"));
  }

  /** Close without sync, then open: close commits nothing, so unsynced writes are gone. */
  @Override
  protected AcceptorStore restart(AcceptorStore old) {
    old.close();
    return MapDbAcceptorStore.open(dir.resolve("store"));
  }

  @Override
  protected long durableSyncs(AcceptorStore store) {
    return ((MapDbAcceptorStore) store).commits();
  }

  @Test
  void aSecondOpenOfTheSameDirectoryFails() {
    try (MapDbAcceptorStore first = MapDbAcceptorStore.open(dir.resolve("locked"))) {
      assertThrows(RuntimeException.class, () -> MapDbAcceptorStore.open(dir.resolve("locked")));
      first.recover();
    }
  }

  @Test
  void anUnfinishedCreationIsDiscarded() throws IOException {
    Path store = dir.resolve("half");
    Path staging = Files.createDirectories(store.resolve(MapDbFiles.STAGING_DIR));
    Files.write(staging.resolve(MapDbFiles.FILE_NAME), new byte[] {1, 2, 3});

    try (MapDbAcceptorStore opened = MapDbAcceptorStore.open(store)) {
      assertEquals(RecoveredState.EMPTY.promised(), opened.recover().promised());
    }
    assertEquals(false, Files.exists(staging));
  }

  @Test
  void aSyncWithNothingWrittenDoesNotCommit() {
    try (MapDbAcceptorStore store = MapDbAcceptorStore.open(dir.resolve("idle"))) {
      store.sync();
      store.write(List.of());
      store.sync();
      assertEquals(0, store.commits());
      store.write(List.of(new StoreWrite.Chosen(1)));
      store.sync();
      assertEquals(1, store.commits());
    }
  }

  @Test
  void closeTwiceIsHarmless() {
    MapDbAcceptorStore store = MapDbAcceptorStore.open(dir.resolve("twice"));
    store.close();
    store.close();
  }

  @Test
  void entriesOutOfOrderAreCorruptionNotAState() {
    byte[] five = EntryCodec.encode(TestData.entry(5, 1));
    byte[] six = EntryCodec.encode(TestData.entry(6, 1));
    List<Map.Entry<Long, byte[]>> duplicate =
        List.of(new SimpleEntry<>(5L, five), new SimpleEntry<>(6L, six), new SimpleEntry<>(6L, six));
    List<Map.Entry<Long, byte[]>> backwards =
        List.of(new SimpleEntry<>(6L, six), new SimpleEntry<>(5L, five));
    List<Map.Entry<Long, byte[]>> underSnapshot = List.of(new SimpleEntry<>(5L, five));

    assertEquals(2, MapDbAcceptorStore.inSlotOrder(4, duplicate.subList(0, 2)).size());
    assertThrows(StorageCorruptionException.class, () -> MapDbAcceptorStore.inSlotOrder(4, duplicate));
    assertThrows(StorageCorruptionException.class, () -> MapDbAcceptorStore.inSlotOrder(0, backwards));
    assertThrows(
        StorageCorruptionException.class, () -> MapDbAcceptorStore.inSlotOrder(5, underSnapshot));
  }
}
