package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.nio.file.Path;
import java.util.List;

/**
 * A small write-and-sync loop for watching {@link LogAcceptorStore#sync} reach the disk with {@code
 * strace -f -e trace=pwrite64,fdatasync,fsync,write} (see docs/storage.md). It prints a marker line
 * before and after each sync so that the trace shows which calls each sync made.
 *
 * <p>Usage: {@code SyncLoopMain <store directory> <syncs>}
 */
public final class SyncLoopMain {
  private SyncLoopMain() {}

  public static void main(String[] args) {
    Path directory = Path.of(args[0]);
    int syncs = Integer.parseInt(args[1]);
    try (LogAcceptorStore store = LogAcceptorStore.open(directory)) {
      long first = store.recover().promised() + 1;
      for (long i = first; i < first + syncs; i++) {
        store.write(
            List.of(
                new StoreWrite.Promised(i), new StoreWrite.Accepted(TestData.entry(i, i, 100))));
        System.out.println("sync " + i + " begin");
        store.sync();
        System.out.println("sync " + i + " end");
      }
      System.out.println("groups=" + store.groups());
    }
  }
}
