package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The storage micro-benchmark (docs/storage.md). Prints the load average on every line: figures
 * from a busy machine say little.
 *
 * <ul>
 *   <li>{@code groups}: syncs of groups of 1, 8 and 64 accepts of one 100-byte command each, with
 *       the default 64 MiB segments: groups (one write + one fdatasync each) per second, the time
 *       of {@code sync()} at p50 and p99, and log bytes written per command.
 *   <li>{@code checkpoint}: the time to write and to read back a checkpoint of a state with 10,000
 *       such entries (and a 1 MiB snapshot), median of five.
 * </ul>
 *
 * <p>Usage: {@code StoreBenchMain <empty directory> groups|checkpoint [syncs or entries]}
 */
public final class StoreBenchMain {
  private static final int WARMUP_SYNCS = 500;

  private StoreBenchMain() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    switch (args[1]) {
      case "groups" -> {
        int syncs = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        for (int size : new int[] {1, 8, 64}) {
          groups(directory.resolve("groups-" + size), size, syncs);
        }
      }
      case "checkpoint" ->
          checkpoint(directory, args.length > 2 ? Integer.parseInt(args[2]) : 10_000);
      default -> throw new IllegalArgumentException("groups or checkpoint, not " + args[1]);
    }
  }

  private static void groups(Path directory, int accepts, int syncs) {
    try (LogAcceptorStore store = LogAcceptorStore.open(directory)) {
      store.recover();
      long[] slot = {0};
      for (int i = 0; i < WARMUP_SYNCS; i++) {
        writeGroup(store, accepts, slot);
        store.sync();
      }
      long bytesBefore = store.logBytes();
      long[] nanos = new long[syncs];
      long start = System.nanoTime();
      for (int i = 0; i < syncs; i++) {
        writeGroup(store, accepts, slot);
        long t = System.nanoTime();
        store.sync();
        nanos[i] = System.nanoTime() - t;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long commands = (long) syncs * accepts;
      Arrays.sort(nanos);
      System.out.printf(
          "groups of %2d accepts: %6.0f groups/s (%7.0f commands/s), sync p50 %.3f ms p99 %.3f ms,"
              + " %.1f log bytes/command (%d syncs) | load %s%n",
          accepts,
          syncs / seconds,
          commands / seconds,
          nanos[syncs / 2] / 1e6,
          nanos[syncs * 99 / 100] / 1e6,
          (double) (store.logBytes() - bytesBefore) / commands,
          syncs,
          loadAverage());
    }
  }

  private static void writeGroup(LogAcceptorStore store, int accepts, long[] slot) {
    List<StoreWrite> writes = new ArrayList<>(accepts);
    for (int i = 0; i < accepts; i++) {
      writes.add(new StoreWrite.Accepted(TestData.entry(++slot[0], 1, 100)));
    }
    store.write(writes);
  }

  private static void checkpoint(Path directory, int entries) throws Exception {
    List<Entry> state = new ArrayList<>(entries);
    for (long slot = 1; slot <= entries; slot++) {
      state.add(TestData.entry(slot, 1, 100));
    }
    CheckpointImage image =
        new CheckpointImage(
            entries, 1, entries / 2, 0, SnapshotBytes.of(TestData.bytes(3, 1 << 20)), state);
    Files.createDirectories(directory);
    try (DataDirectory dir = DataDirectory.open(directory, StorageIo.PLAIN)) {
      long[] writes = new long[7];
      long[] reads = new long[7];
      for (int i = 0; i < writes.length; i++) {
        long t = System.nanoTime();
        CheckpointFile.write(dir, image, i + 1, StorageIo.PLAIN, () -> false);
        writes[i] = System.nanoTime() - t;
        t = System.nanoTime();
        CheckpointFile.read(dir, dir.checkpoint(entries), entries);
        reads[i] = System.nanoTime() - t;
      }
      // The first two runs warm the JIT up; the median of the other five counts.
      long[] w = Arrays.copyOfRange(writes, 2, 7);
      long[] r = Arrays.copyOfRange(reads, 2, 7);
      Arrays.sort(w);
      Arrays.sort(r);
      System.out.printf(
          "checkpoint of %d entries (100-byte commands) + 1 MiB snapshot: write %.0f ms, read"
              + " %.0f ms, %.1f MiB (median of 5) | load %s%n",
          entries,
          w[2] / 1e6,
          r[2] / 1e6,
          Files.size(dir.checkpoint(entries)) / 1048576.0,
          loadAverage());
    }
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
