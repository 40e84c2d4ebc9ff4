package io.lockd.cli;

import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.LockListener;
import io.lockd.client.LockLossReason;
import io.lockd.client.LockMode;
import io.lockd.client.Sequencer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockctl lock PATH -- CMD...}: runs a command while holding a lock. */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    description = {
      "Acquires the lock on PATH, runs CMD while holding it, releases it when CMD exits (or when "
          + "lockctl is terminated), and exits with CMD's exit code.",
      "CMD gets the lock's sequencer in $LOCKD_SEQUENCER (pass it to the resources it changes, "
          + "which check it) and the path in $LOCKD_LOCK_PATH.",
      "If the lock is lost while CMD runs (the session's lease ran out or it expired, the node was "
          + "deleted), CMD gets SIGTERM (then SIGKILL after --kill-grace) and lockctl exits 7.",
      "Put -- before CMD so that its options are not taken for lockctl's."
    },
    footer = {
      "%nExamples:",
      "  lockctl lock /jobs/nightly -- ./nightly.sh --full",
      "  lockctl lock /jobs/nightly --wait 0 -- ./nightly.sh      # give up at once if busy (exit 6)",
      "  lockctl lock /db/schema --shared --create -- sh -c 'echo $LOCKD_SEQUENCER'"
    })
final class LockCommand implements Callable<Integer> {
  @Mixin GlobalOptions g;

  @Parameters(index = "0", paramLabel = "PATH", description = "The node whose lock to hold.")
  String path;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "CMD",
      description = "The command and its arguments.")
  List<String> command;

  @Option(
      names = "--shared",
      description = "Take the lock in shared (reader) mode instead of exclusive.")
  boolean shared;

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to wait for the lock (default: as long as it takes; 0: do not wait).")
  Duration wait;

  @Option(
      names = "--create",
      description = "Create the node (and missing parent directories) if it does not exist.")
  boolean create;

  @Option(
      names = "--kill-grace",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "10s",
      description =
          "Time between SIGTERM and SIGKILL when CMD must stop (default ${DEFAULT-VALUE}).")
  Duration killGrace;

  @Override
  public Integer call() throws InterruptedException {
    LockClient client = g.client();
    try {
      if (create) {
        int slash = path.lastIndexOf('/');
        if (slash > 0) {
          client.mkdirs(path.substring(0, slash));
        }
        client.createUnlessExists(path, CreateOptions.file());
      }
      CompletableFuture<String> lost = new CompletableFuture<>();
      DistributedLock lock =
          client.lock(
              path,
              shared ? LockMode.SHARED : LockMode.EXCLUSIVE,
              new LockListener() {
                @Override
                public void onLost(DistributedLock l, LockLossReason reason) {
                  lost.complete("lost the lock on " + path + " (" + reason + ")");
                }
              });
      boolean granted = wait == null ? acquireForever(lock) : lock.acquire(wait);
      if (!granted) {
        g.spec
            .commandLine()
            .getErr()
            .println("lockctl: lock " + path + " not acquired within " + wait.toMillis() + " ms");
        return ExitCodes.NOT_ACQUIRED;
      }
      Sequencer seq = lock.sequencer();
      return ChildProcess.run(
          command,
          ChildProcess.guardEnv(seq, path),
          lost,
          killGrace,
          client::close,
          g.spec.commandLine().getErr());
    } finally {
      client.close(); // closing the session releases the lock (no lock-delay)
    }
  }

  private static boolean acquireForever(DistributedLock lock) throws InterruptedException {
    lock.acquire();
    return true;
  }
}
