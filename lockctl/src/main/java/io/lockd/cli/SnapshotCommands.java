package io.lockd.cli;

import io.lockd.client.LockClient;
import io.lockd.client.SnapshotInfo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lockctl snapshot save FILE}: backups (docs/operations.md, "Back up and restore"). */
final class SnapshotCommands {
  private SnapshotCommands() {}

  @Command(
      name = "snapshot",
      mixinStandardHelpOptions = true,
      description = "Backs up the cell's namespace.",
      subcommands = {Save.class})
  static final class Group implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "save",
      mixinStandardHelpOptions = true,
      description = {
        "Saves a consistent snapshot of the whole namespace, taken on the leader, to FILE "
            + "(replaced if it exists; written whole or not at all). 'lockd restore FILE "
            + "--data-dir DIR' builds a replica of a new cell from it."
      },
      footer = {
        "%nExample:",
        "  lockctl snapshot save /backups/lockd-$(date +%F).snap",
        "  lockd restore /backups/lockd-2026-12-06.snap --data-dir /var/lib/lockd/data"
      })
  static final class Save implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the backup.")
    Path file;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        SnapshotInfo s = client.admin().saveSnapshot(file);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", s.file().toString());
        m.put("cell", s.cell());
        m.put("replica", s.replicaId());
        m.put("slot", s.slot());
        m.put("applied_index", s.appliedIndex());
        m.put("state_checksum", Long.toHexString(s.stateChecksum()));
        m.put("size_bytes", s.sizeBytes());
        m.put("taken_at", s.takenAt().toString());
        g.printObject(m);
        return ExitCodes.OK;
      }
    }
  }
}
