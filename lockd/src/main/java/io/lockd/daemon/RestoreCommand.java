package io.lockd.daemon;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceImage;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.namespace.NamespaceSizes;
import io.lockd.paxos.StoreWrite;
import io.lockd.replica.StateMachine;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.storage.LogAcceptorStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lockd restore FILE --data-dir DIR}: makes DIR the data directory of one replica of a new
 * cell, holding the namespace of a backup (like {@code etcdutl snapshot restore}).
 *
 * <p>The replica's log starts after the backup's slot, as if it had just rebuilt itself from a
 * peer's snapshot: the state is durable (written and synced) before this returns. Run it once per
 * replica of the new cell, with the same file, and start every replica with the limits the backup
 * was taken under (printed). Sessions come back as they were; the new cell's first leader gives
 * them its failover grace, after which those whose clients do not reconnect expire (their locks are
 * released and their ephemeral nodes deleted), as after any failover.
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Build the data directory of one replica of a new cell from a backup made with 'lockctl "
          + "snapshot save'. Run it for every replica of the new cell, with the same FILE, then "
          + "start them with the namespace limits it prints. DIR must not hold a replica's state."
    },
    footer = {
      "",
      "Example (each replica of the new cell, then start them as usual):",
      "  lockd restore /backups/lockd.snap --data-dir /var/lib/lockd/data",
      "",
      "Exit status 0: restored; 1: the data directory could not be written; 2: a bad backup or a"
          + " data directory in use."
    })
final class RestoreCommand implements Callable<Integer> {
  /** How long the restored snapshot's checkpoint may take to become durable. */
  private static final long CHECKPOINT_WAIT_MILLIS = 10 * 60_000;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The backup ('lockctl snapshot save FILE').")
  Path file;

  @Option(
      names = "--data-dir",
      required = true,
      paramLabel = "DIR",
      description = "The new replica's data directory (created; must be empty if it exists).")
  Path dataDir;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean existed = Files.exists(dataDir);
    LogAcceptorStore store;
    try {
      checkEmpty(dataDir);
      store = LogAcceptorStore.open(dataDir);
    } catch (IOException | RuntimeException e) {
      err.println("lockd restore: " + e.getMessage());
      return 2;
    }
    int status;
    try (store) {
      status = restoreInto(store, out, err);
    }
    if (status != 0) {
      removeWhatWasWritten(existed, err);
    }
    return status;
  }

  /**
   * Reads the backup straight into {@code store} (its snapshot file), checks it, and makes it
   * durable there: the state is held in memory once, never beside the backup's bytes.
   */
  private int restoreInto(LogAcceptorStore store, PrintWriter out, PrintWriter err) {
    BackupFile backup;
    Namespace namespace;
    try {
      store.recover();
      backup = BackupFile.read(file, store.snapshotSink());
      namespace = Namespace.fromSnapshot(backup.snapshot());
      // Encoded again only for its checksum: no bytes kept, so a large state is held just once.
      StateMachine.ChecksummingSink reencoded = new StateMachine.ChecksummingSink(null, 0, true);
      NamespaceImage.Capture capture = namespace.imageCapture();
      while (!capture.copyMore()) {
        // a tool with no loop to share: copies every step at once
      }
      capture.encodeTo(reencoded);
      if (reencoded.checksum() != backup.header().getStateChecksum()) {
        throw new IOException(
            "the snapshot decodes to another state than the one it was taken from (checksum "
                + Long.toHexString(reencoded.checksum())
                + ", header says "
                + Long.toHexString(backup.header().getStateChecksum())
                + "): a backup from another lockd build?");
      }
    } catch (IOException | RuntimeException e) {
      err.println("lockd restore: " + e.getMessage());
      return 2;
    }
    long slot = backup.header().getSlot();
    try {
      // Durable in a checkpoint (the snapshot in its own file) before this tool says it is done.
      store.write(List.of(new StoreWrite.Snapshot(slot, backup.snapshot())));
      store.sync();
      if (!store.checkpointNow(CHECKPOINT_WAIT_MILLIS)) {
        throw new IllegalStateException(
            "the snapshot's checkpoint did not complete within "
                + CHECKPOINT_WAIT_MILLIS / 1000
                + " s (see the log above)");
      }
    } catch (RuntimeException e) {
      err.println("lockd restore: cannot write " + dataDir + ": " + e.getMessage());
      return 1;
    }
    NamespaceSizes sizes = namespace.sizes();
    out.printf(
        "restored %s into %s: cell '%s' at slot %d, state checksum %s, %d nodes, %d sessions%n",
        file,
        dataDir,
        backup.header().getCell(),
        slot,
        Long.toHexString(backup.header().getStateChecksum()),
        sizes.nodes(),
        sizes.sessions());
    String limits = differingLimits(namespace.limits());
    out.println(
        limits.isEmpty()
            ? "start the replica with the default namespace limits (the backup's)"
            : "start the replica with the backup's namespace limits:" + limits);
    out.flush();
    return 0;
  }

  /**
   * A failed restore leaves the data directory as it found it: empty (it was checked to be), or
   * absent.
   */
  private void removeWhatWasWritten(boolean existed, PrintWriter err) {
    try (Stream<Path> files = Files.walk(dataDir)) {
      List<Path> deepestFirst = files.sorted(Comparator.reverseOrder()).toList();
      for (Path p : deepestFirst) {
        if (existed && p.equals(dataDir)) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      err.println("lockd restore: could not remove what it wrote in " + dataDir + ": " + e);
    }
  }

  private static void checkEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a directory");
    }
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new IOException(
            dir + " is not empty: restore only into a new replica's empty data directory");
      }
    }
  }

  /** The limit options whose value differs from the default, as command-line flags. */
  private static String differingLimits(NamespaceLimits limits) {
    Map<String, Object> defaults = LockdConfig.limitOptions(NamespaceLimits.builder().build());
    StringBuilder flags = new StringBuilder();
    for (Map.Entry<String, Object> e : LockdConfig.limitOptions(limits).entrySet()) {
      if (!e.getValue().equals(defaults.get(e.getKey()))) {
        flags.append(" --").append(e.getKey()).append(' ').append(e.getValue());
      }
    }
    return flags.toString();
  }
}
