package io.lockd.storage;

import static io.lockd.storage.LogFiles.assertSameState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Entry;
import io.lockd.paxos.MemorySnapshot;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * Snapshots in files of their own: out of the heap once durable, written once however many
 * checkpoints follow, deleted when replaced, checked when read back, and the older format (the
 * snapshot inside the checkpoint) still read.
 */
class SnapshotFilesTest extends LogStoreFixture {
  /** Checkpoints only when a test asks for one (or writes a snapshot). */
  @Override
  LogStoreOptions options() {
    return LogAcceptorStoreTest.SMALL.withCheckpointLogBytes(1L << 40);
  }

  private void write(LogAcceptorStore log, StoreWrite... writes) {
    write(log, List.of(writes));
  }

  private void accept(LogAcceptorStore log, long from, long to) {
    for (long s = from; s <= to; s++) {
      write(log, new StoreWrite.Accepted(TestData.entry(s, 1, 500)));
    }
  }

  @Test
  void aSnapshotLeavesTheHeapOnceDurableAndLaterCheckpointsReuseItsFile() {
    AtomicInteger snapshotWrites = new AtomicInteger();
    StorageIo.Hook count =
        (op, file) -> {
          if (op == StorageIo.Op.WRITE && file.getFileName().toString().startsWith("snapshot-")) {
            snapshotWrites.incrementAndGet();
          }
        };
    byte[] state = TestData.bytes(1, 3 << 20); // three of the writer's 1 MiB chunks
    SnapshotBytes snapshot = SnapshotBytes.of(state);
    try (LogAcceptorStore log = LogAcceptorStore.open(store, options(), count)) {
      accept(log, 1, 30);
      write(log, new StoreWrite.Chosen(30), new StoreWrite.Snapshot(20, snapshot));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertTrue(((MemorySnapshot) snapshot).isMoved(), "the heap's copy was let go");
      assertArrayEquals(state, snapshot.toArray(), "and the same bytes are read from the file");
      int written = snapshotWrites.get();
      assertEquals(3, written, "one write per chunk");

      accept(log, 31, 60);
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertEquals(written, snapshotWrites.get(), "a checkpoint after it did not write it again");
      assertEquals(1, snapshotFiles().size());
    }
    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertSameState(reference.recover(), found);
      assertInstanceOf(FileSnapshot.class, found.snapshot(), "recovered as the file, not an array");
    }
  }

  @Test
  void anEncodersFileIsRenamedIntoPlaceNotWrittenAgain() throws IOException {
    AtomicInteger copies = new AtomicInteger();
    StorageIo.Hook count =
        (op, file) -> {
          if (op == StorageIo.Op.WRITE && file.getFileName().toString().startsWith("snapshot-")) {
            copies.incrementAndGet();
          }
        };
    byte[] first = TestData.bytes(8, 100_000);
    byte[] second = TestData.bytes(9, 50_000);
    try (LogAcceptorStore log = LogAcceptorStore.open(store, options(), count)) {
      SnapshotSink sink = log.snapshotSink(); // as the encoder's thread uses it
      sink.write(first.clone(), first.length);
      sink.write(second.clone(), 20_000); // a block's first bytes only
      SnapshotBytes encoded = sink.finish();
      assertEquals(List.of(), snapshotFiles(), "a temporary until a checkpoint takes it");
      accept(log, 1, 10);
      write(log, new StoreWrite.Chosen(10), new StoreWrite.Snapshot(10, encoded));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertEquals(0, copies.get(), "renamed, not copied");
      assertEquals(1, snapshotFiles().size());
    }
    try (LogAcceptorStore log = open()) {
      byte[] expected = new byte[first.length + 20_000];
      System.arraycopy(first, 0, expected, 0, first.length);
      System.arraycopy(second, 0, expected, first.length, 20_000);
      assertArrayEquals(expected, log.recover().snapshot().toArray());
    }
    try (Stream<Path> files = Files.list(store)) {
      assertEquals(0, files.filter(f -> f.toString().endsWith(".tmp")).count());
    }
  }

  @Test
  void anEncodingNoCheckpointTookIsGoneAfterTheNextOpen() throws IOException {
    try (LogAcceptorStore log = open()) {
      SnapshotSink sink = log.snapshotSink();
      sink.write(TestData.bytes(10, 5000), 5000);
      assertEquals(5000, sink.finish().size());
      SnapshotSink failed = log.snapshotSink();
      failed.write(new byte[100], 100);
      failed.abandon();
    }
    try (LogAcceptorStore log = open()) {
      log.recover();
    }
    try (Stream<Path> files = Files.list(store)) {
      assertEquals(
          List.of(),
          files.filter(f -> f.getFileName().toString().startsWith("encoding-")).toList());
    }
  }

  /**
   * A rebuild is durable with its sync, so its snapshot is synced to a file of its own first and
   * the log holds a reference to it, not the bytes: a rebuild of a large state is a small record.
   */
  @Test
  void aRebuildIsLoggedAsAReferenceToItsSyncedFile() {
    byte[] state = TestData.bytes(11, 300_000);
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 10);
      write(log, new StoreWrite.Chosen(10), new StoreWrite.Snapshot(5, TestData.bytes(12, 1000)));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      long before = log.logBytes();
      write(log, new StoreWrite.Rebuilt(8, 10, state));
      assertTrue(log.logBytes() - before < 1000, "logged " + (log.logBytes() - before) + " B");
      LogAcceptorStoreTest.awaitCheckpoints(log);
      assertEquals(1, snapshotFiles().size(), "the rebuild's checkpoint refers to its file");
    }
    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertSameState(reference.recover(), found);
      assertEquals(8, found.snapshotIndex());
      assertArrayEquals(state, found.snapshot().toArray());
    }
  }

  @Test
  void aNewerSnapshotsCheckpointDeletesTheOlderFile() {
    byte[] newer = TestData.bytes(3, 70_000);
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 30);
      write(log, new StoreWrite.Chosen(30), new StoreWrite.Snapshot(10, TestData.bytes(2, 50_000)));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      List<Path> first = snapshotFiles();
      assertEquals(1, first.size());
      write(log, new StoreWrite.Snapshot(25, newer));
      LogAcceptorStoreTest.awaitCheckpoints(log);
      List<Path> second = snapshotFiles();
      assertEquals(1, second.size());
      assertFalse(second.equals(first), "the older file was replaced: " + second);
    }
    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertEquals(25, found.snapshotIndex());
      assertArrayEquals(newer, found.snapshot().toArray());
    }
  }

  @Test
  void aSnapshotFileNoCheckpointRefersToIsDeletedAtOpen() throws IOException {
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 10);
      write(log, new StoreWrite.Chosen(10), new StoreWrite.Snapshot(5, TestData.bytes(4, 1000)));
      LogAcceptorStoreTest.awaitCheckpoints(log);
    }
    Path kept = snapshotFiles().get(0);
    Path stray = store.resolve("snapshot-00000000000000ff.snap"); // left by a crash
    Files.write(stray, new byte[] {1, 2, 3});
    try (LogAcceptorStore log = open()) {
      assertSameState(reference.recover(), log.recover());
    }
    assertEquals(List.of(kept), snapshotFiles());
  }

  @Test
  void aDamagedSnapshotFileIsCorruptionNamingTheFile() {
    try (LogAcceptorStore log = open()) {
      accept(log, 1, 300); // several segments, deleted once the checkpoint covers them
      write(log, new StoreWrite.Chosen(300), new StoreWrite.Snapshot(5, TestData.bytes(5, 9000)));
      LogAcceptorStoreTest.awaitCheckpoints(log);
    }
    Path file = snapshotFiles().get(0);
    LogFiles.flipBit(file, 8 * 4000 + 3);
    StorageCorruptionException e = assertThrows(StorageCorruptionException.class, this::open);
    String why = e.getMessage() + " " + List.of(e.getSuppressed());
    assertTrue(why.contains(file.getFileName().toString()), why);
    assertTrue(why.contains("checksum mismatch"), why);
  }

  /** A checkpoint of format 2, as lockd wrote them before snapshots had files of their own. */
  @Test
  void aFormatTwoCheckpointIsReadAndItsSnapshotMovesToAFileAtTheNextCheckpoint() throws Exception {
    byte[] state = TestData.bytes(6, 200_000);
    List<Entry> entries = List.of(TestData.entry(8, 2, 100), TestData.entry(9, 2, 100));
    Files.createDirectories(store);
    writeFormatTwo(store.resolve("checkpoint-0000000000000005.db"), 5, 7, state, entries);

    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertEquals(7, found.snapshotIndex());
      assertEquals(9, found.chosenIndex());
      assertArrayEquals(state, found.snapshot().toArray());
      assertEquals(entries, found.accepted());
      assertEquals(List.of(), snapshotFiles());
      log.requestCheckpoint();
      LogAcceptorStoreTest.awaitCheckpoints(log);
    }
    assertEquals(1, snapshotFiles().size());
    try (LogAcceptorStore log = open()) {
      RecoveredState found = log.recover();
      assertInstanceOf(FileSnapshot.class, found.snapshot());
      assertArrayEquals(state, found.snapshot().toArray());
      assertEquals(entries, found.accepted());
    }
  }

  private static void writeFormatTwo(
      Path file, long seq, long snapshotIndex, byte[] state, List<Entry> entries)
      throws IOException {
    ByteBuffer meta = ByteBuffer.allocate(1 + 5 * Long.BYTES + 3 * Integer.BYTES);
    meta.put((byte) 2).putLong(seq).putLong(2).putLong(9).putLong(snapshotIndex);
    meta.putInt(state.length).putInt(Checksums.crc32c(state, state.length));
    meta.putLong(entries.size());
    meta.putInt(Checksums.crc32c(meta.array(), meta.capacity() - Integer.BYTES));
    try (DB db = DBMaker.fileDB(file.toFile()).make()) {
      db.atomicVar("meta", Serializer.BYTE_ARRAY, meta.array()).create();
      DB.TreeMapSink<Long, byte[]> sink =
          db.treeMap("entries", Serializer.LONG, Serializer.BYTE_ARRAY)
              .valuesOutsideNodesEnable()
              .createFromSink();
      for (Entry e : entries) {
        sink.put(e.slot(), EntryCodec.encode(e));
      }
      sink.create();
      SnapshotChunks.write(
          db.treeMap("snapshot", Serializer.INTEGER, Serializer.BYTE_ARRAY)
              .valuesOutsideNodesEnable()
              .create(),
          state);
      db.commit();
    }
  }

  private List<Path> snapshotFiles() {
    try (Stream<Path> files = Files.list(store)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".snap")).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
