package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Commit latency and file growth of {@link MapDbAcceptorStore} (docs/storage.md).
 *
 * <ul>
 *   <li>{@code latency}: commits of one slot (a promise and a 100-byte entry), then commits of 100
 *       slots; prints the median and 99th percentile time of {@code sync()}.
 *   <li>{@code space}: a sliding log (100-byte commands, 100 slots a commit, a snapshot every
 *       10,000 slots keeping 1,000); prints the size of the store directory as it grows.
 * </ul>
 *
 * <p>Usage: {@code StoreBenchMain <empty directory> latency|space [commits or slots]}
 */
public final class StoreBenchMain {
  private StoreBenchMain() {}

  public static void main(String[] args) throws IOException {
    Path directory = Path.of(args[0]);
    switch (args[1]) {
      case "latency" -> latency(directory, args.length > 2 ? Integer.parseInt(args[2]) : 1000);
      case "space" -> space(directory, args.length > 2 ? Long.parseLong(args[2]) : 200_000);
      default -> throw new IllegalArgumentException("latency or space, not " + args[1]);
    }
  }

  private static void latency(Path directory, int commits) {
    try (MapDbAcceptorStore store = MapDbAcceptorStore.open(directory)) {
      store.recover();
      long slot = 0;
      for (int slotsPerCommit : new int[] {1, 100}) {
        long[] micros = new long[commits];
        for (int c = 0; c < commits; c++) {
          List<StoreWrite> writes = new ArrayList<>();
          writes.add(new StoreWrite.Promised(c + 1L + (slotsPerCommit == 1 ? 0 : commits)));
          for (int i = 0; i < slotsPerCommit; i++) {
            ++slot;
            writes.add(new StoreWrite.Accepted(TestData.entry(slot, 1, 100)));
          }
          store.write(writes);
          long start = System.nanoTime();
          store.sync();
          micros[c] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        System.out.printf(
            "%3d slots/commit: sync median %d us, p99 %d us (%d commits)%n",
            slotsPerCommit, micros[commits / 2], micros[commits * 99 / 100], commits);
      }
    }
  }

  private static void space(Path directory, long slots) throws IOException {
    try (MapDbAcceptorStore store = MapDbAcceptorStore.open(directory)) {
      store.recover();
      long slot = 0;
      long nextReport = 50_000;
      while (slot < slots) {
        List<StoreWrite> writes = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          ++slot;
          writes.add(new StoreWrite.Accepted(TestData.entry(slot, 1, 100)));
        }
        writes.add(new StoreWrite.Chosen(slot));
        if (slot % 10_000 == 0) {
          writes.add(new StoreWrite.Snapshot(slot - 1_000, TestData.bytes(slot, 1_000)));
        }
        store.write(writes);
        store.sync();
        if (slot >= nextReport) {
          long bytes = directoryBytes(directory);
          System.out.printf(
              "%d slots: %.1f MiB (%.1f bytes/slot)%n",
              slot, bytes / 1048576.0, (double) bytes / slot);
          nextReport += 50_000;
        }
      }
    }
  }

  private static long directoryBytes(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      long total = 0;
      for (Path f : (Iterable<Path>) files::iterator) {
        total += Files.isRegularFile(f) ? Files.size(f) : 0;
      }
      return total;
    }
  }
}
