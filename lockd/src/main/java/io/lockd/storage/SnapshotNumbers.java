package io.lockd.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The numbers of a data directory's snapshot files: each used once, above every number the
 * directory showed at open, shared by the checkpoint thread and the writer (which names a rebuild's
 * snapshot file), so that no rename ever replaces a file a checkpoint or the log refers to.
 */
final class SnapshotNumbers {
  private final AtomicLong next;

  private SnapshotNumbers(long first) {
    this.next = new AtomicLong(first);
  }

  static SnapshotNumbers above(DataDirectory directory) throws IOException {
    NavigableMap<Long, Path> files = directory.snapshots();
    return new SnapshotNumbers(files.isEmpty() ? 1 : files.lastKey() + 1);
  }

  long next() {
    return next.getAndIncrement();
  }
}
