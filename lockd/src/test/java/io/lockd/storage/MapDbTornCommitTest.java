package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 at every point of a commit, without killing anything: the store directory is copied
 * at each step of {@link JournaledVolume#sync} (a copy sees exactly what a killed process leaves:
 * every completed write, since they sit in the page cache). Every copy must open and recover the
 * whole commit; a copy whose journal is cut short must recover the state before it, exactly.
 *
 * <p>The commits are ones that move MapDB's allocator around: accepts that reuse space freed by
 * truncation, a snapshot that truncates the log and rewrites its chunks, and an entry over MapDB's
 * record limit (a linked record).
 */
class MapDbTornCommitTest {
  @TempDir Path dir;

  @Test
  void aCommitCutAtAnyStepRecoversWholeOrNotAtAll() throws IOException {
    Path store = dir.resolve("store");
    long slot = writeHistory(store);
    List<List<StoreWrite>> commits =
        List.of(
            List.of(
                new StoreWrite.Promised(20),
                new StoreWrite.Accepted(TestData.entry(slot + 1, 20)),
                new StoreWrite.Accepted(TestData.entry(slot + 2, 20, 3000)),
                new StoreWrite.Accepted(TestData.entry(slot - 1, 20)),
                new StoreWrite.Chosen(slot - 2)),
            List.of(new StoreWrite.Snapshot(slot - 1, TestData.snapshot(slot - 1, 400_000))),
            List.of(
                new StoreWrite.Accepted(TestData.entry(slot + 3, 20, TestData.LARGE_PAYLOAD_BYTES)),
                new StoreWrite.Chosen(slot + 1)));

    int copies = 0;
    for (int c = 0; c < commits.size(); c++) {
      RecoveredState before = recovered(store);
      List<Path> crashes = new ArrayList<>();
      Path crashDir = dir.resolve("crash-" + c);
      JournaledVolume.Steps copyAtEachStep =
          step -> crashes.add(copy(store, crashDir.resolve(crashes.size() + " " + step)));
      try (MapDbAcceptorStore s = MapDbAcceptorStore.open(store, copyAtEachStep)) {
        s.recover();
        s.write(commits.get(c));
        s.sync();
      }
      RecoveredState after = recovered(store);
      assertTrue(crashes.size() >= 5, "steps seen: " + crashes);

      // A kill while the journal is being written leaves part of it: the commit never happened.
      Path journalWritten = crashes.get(0);
      long journalBytes = Files.size(journalWritten.resolve(MapDbFiles.JOURNAL_NAME));
      for (long keep : new long[] {1, 12, journalBytes / 2, journalBytes - 1}) {
        Path torn = copy(journalWritten, dir.resolve("torn-" + c + "-" + keep));
        try (FileChannel journal =
            FileChannel.open(torn.resolve(MapDbFiles.JOURNAL_NAME), StandardOpenOption.WRITE)) {
          journal.truncate(keep);
        }
        assertSame(before, recovered(torn), "commit " + c + ", journal cut to " + keep + " bytes");
        assertEquals(0, Files.size(torn.resolve(MapDbFiles.JOURNAL_NAME)), "torn journal dropped");
        copies++;
      }
      for (Path crash : crashes) {
        assertSame(after, recovered(crash), "commit " + c + ", killed after " + crash.getFileName());
        copies++;
      }
    }
    System.out.printf("MapDbTornCommitTest: %d crash points recovered%n", copies);
  }

  /** Sixty commits with promises, accepts (some re-accepted), learning and two snapshots. */
  private static long writeHistory(Path store) {
    long slot = 0;
    try (MapDbAcceptorStore s = MapDbAcceptorStore.open(store)) {
      s.recover();
      for (int batch = 1; batch <= 60; batch++) {
        long ballot = 1 + batch / 10;
        List<StoreWrite> writes = new ArrayList<>();
        writes.add(new StoreWrite.Promised(ballot));
        for (int i = 0; i < 3; i++) {
          writes.add(new StoreWrite.Accepted(TestData.entry(++slot, ballot)));
        }
        writes.add(new StoreWrite.Accepted(TestData.entry(slot - 1, ballot)));
        writes.add(new StoreWrite.Chosen(slot - 2));
        if (batch % 20 == 0) {
          writes.add(new StoreWrite.Snapshot(slot - 2, TestData.snapshot(slot - 2, 400_000)));
        }
        s.write(writes);
        s.sync();
      }
    }
    return slot;
  }

  private static RecoveredState recovered(Path store) {
    try (MapDbAcceptorStore s = MapDbAcceptorStore.open(store)) {
      return s.recover();
    }
  }

  private static void assertSame(RecoveredState expected, RecoveredState actual, String where) {
    assertEquals(expected.promised(), actual.promised(), where + ": promise");
    assertEquals(expected.chosenIndex(), actual.chosenIndex(), where + ": chosen index");
    assertEquals(expected.snapshotIndex(), actual.snapshotIndex(), where + ": snapshot index");
    assertArrayEquals(expected.snapshot(), actual.snapshot(), where + ": snapshot");
    assertEquals(expected.accepted(), actual.accepted(), where + ": entries");
  }

  /** Copies the store's files as they are now: what a process killed at this instant leaves. */
  private static Path copy(Path from, Path to) {
    try {
      Files.createDirectories(to);
      try (Stream<Path> files = Files.list(from)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(f)) {
            Files.copy(f, to.resolve(f.getFileName()));
          }
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
