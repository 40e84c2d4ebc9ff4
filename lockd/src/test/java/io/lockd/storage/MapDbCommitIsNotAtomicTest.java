package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.volume.FileChannelVol;
import org.mapdb.volume.Volume;

/**
 * Why {@link JournaledVolume} exists. A plain MapDB 3.1 transactional commit ({@code StoreWAL})
 * syncs its log, then overwrites the store file in place with one write per changed header,
 * index slot and record, and never replays the log on open. This test copies the plain store
 * file before each of those writes (what a kill -9 at that instant leaves) and opens every copy
 * with plain MapDB: some copies hold neither the old nor the new map, or do not open at all.
 *
 * <p>If this test fails after a MapDB upgrade, MapDB's commit may have become crash safe, and the
 * journal could be reconsidered (run the crash tests against the plain store first).
 */
class MapDbCommitIsNotAtomicTest {
  private static final String MAP = "entries";

  @TempDir Path dir;

  @Test
  void aKillDuringAPlainMapDbCommitLeavesATornTree() {
    Path file = dir.resolve("plain.db");
    CopyBeforeEachWrite volumes = new CopyBeforeEachWrite(file, dir.resolve("cuts"));
    Map<Long, byte[]> before;
    Map<Long, byte[]> after;
    try (DB db = MapDbFiles.openDb(file, volumes)) {
      BTreeMap<Long, byte[]> map = map(db).create();
      for (long k = 1; k <= 300; k++) {
        map.put(k, TestData.bytes(k, 100));
      }
      db.commit();
      for (long k = 1; k <= 150; k++) {
        map.remove(k);
      }
      db.commit();
      before = new TreeMap<>(map);
      volumes.armed = true;
      for (long k = 301; k <= 340; k++) {
        map.put(k, TestData.bytes(k, 100));
      }
      db.commit();
      volumes.armed = false;
      after = new TreeMap<>(map);
    }

    // In write order: how many consecutive cuts had each outcome.
    List<String> runs = new ArrayList<>();
    String last = null;
    int torn = 0;
    int run = 0;
    for (Path cut : volumes.cuts) {
      String outcome = outcome(cut, before, after);
      torn += outcome.equals("old") || outcome.equals("new") ? 0 : 1;
      if (!outcome.equals(last) && last != null) {
        runs.add(run + " x " + last);
        run = 0;
      }
      last = outcome;
      run++;
    }
    runs.add(run + " x " + last);
    System.out.printf(
        "plain MapDB commit of 40 puts, cut before each of its %d writes: %s%n",
        volumes.cuts.size(), runs);
    assertTrue(volumes.cuts.size() > 3, "writes in one commit: " + volumes.cuts.size());
    assertTrue(torn > 0, "every cut recovered whole: " + runs);
  }

  private static DB.TreeMapMaker<Long, byte[]> map(DB db) {
    return db.treeMap(MAP, Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable();
  }

  /** "old", "new", or what else the copy holds: a different map or the failure to read it. */
  private static String outcome(Path file, Map<Long, byte[]> before, Map<Long, byte[]> after) {
    Map<Long, byte[]> found = new TreeMap<>();
    try (DB db = DBMaker.fileDB(file.toFile()).fileChannelEnable().transactionEnable().make()) {
      long previous = Long.MIN_VALUE;
      for (Map.Entry<Long, byte[]> e : map(db).open().entrySet()) {
        if (e.getKey() <= previous || found.size() > 1000) {
          return "keys out of order";
        }
        previous = e.getKey();
        found.put(e.getKey(), e.getValue());
      }
    } catch (RuntimeException | AssertionError e) {
      return e.getClass().getSimpleName();
    }
    return same(found, before) ? "old" : same(found, after) ? "new" : "other map";
  }

  private static boolean same(Map<Long, byte[]> a, Map<Long, byte[]> b) {
    return a.keySet().equals(b.keySet())
        && a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
  }

  /** Plain FileChannel volumes; while armed, the store file is copied before every write. */
  private static final class CopyBeforeEachWrite extends MapDbFiles.FileChannelVolumes {
    private final Path file;
    private final Path cutDir;
    final List<Path> cuts = new ArrayList<>();
    volatile boolean armed;

    CopyBeforeEachWrite(Path file, Path cutDir) {
      this.file = file;
      this.cutDir = cutDir;
    }

    @Override
    public Volume makeVolume(
        String name, boolean readOnly, long lockWait, int sliceShift, long initSize, boolean fixed) {
      Volume plain =
          FileChannelVol.FACTORY.makeVolume(name, readOnly, lockWait, sliceShift, initSize, fixed);
      if (!Path.of(name).equals(file)) {
        return plain;
      }
      return new ForwardingVolume(plain) {
        @Override
        public void putLong(long offset, long value) {
          cut();
          super.putLong(offset, value);
        }

        @Override
        public void putInt(long offset, int value) {
          cut();
          super.putInt(offset, value);
        }

        @Override
        public void putByte(long offset, byte value) {
          cut();
          super.putByte(offset, value);
        }

        @Override
        public void putData(long offset, byte[] src, int srcPos, int srcSize) {
          cut();
          super.putData(offset, src, srcPos, srcSize);
        }

        @Override
        public void putData(long offset, ByteBuffer buf) {
          cut();
          super.putData(offset, buf);
        }

        @Override
        public void clear(long startOffset, long endOffset) {
          cut();
          super.clear(startOffset, endOffset);
        }
      };
    }

    private void cut() {
      if (!armed) {
        return;
      }
      try {
        Files.createDirectories(cutDir);
        cuts.add(Files.copy(file, cutDir.resolve("cut-" + cuts.size())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
