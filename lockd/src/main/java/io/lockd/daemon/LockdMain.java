package io.lockd.daemon;

import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import io.lockd.server.grpc.LockdServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code lockd} daemon: one replica of a lockd cell. */
@Command(
    name = "lockd",
    mixinStandardHelpOptions = true,
    version = "lockd 0.1.0",
    sortOptions = false,
    usageHelpAutoWidth = true,
    subcommands = {StatusCommand.class, ConfigTemplateCommand.class, RestoreCommand.class},
    description = {
      "Runs one replica of a lockd cell: a Chubby-style lock service whose replicas agree on "
          + "every change through Multi-Paxos. Start one lockd per member (five is usual), each "
          + "with the same --cell and --member list and its own --id and --data-dir. The leader "
          + "serves clients; the others answer UNAVAILABLE with the leader's client address.",
      "",
      "Every option can also come from a properties file (--config): its keys are the option's "
          + "names without dashes (data-dir=/var/lib/lockd); the command line wins over the file, "
          + "and a key that names no option is refused. Options once named --x-max keep that "
          + "name as an alias of --max-x. All members must use equal --lease-ms, --clock-drift "
          + "and namespace limits: peers refuse a replica with others, naming them.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  # replica 1 of a three-member cell on one host (start 2 and 3 likewise):",
      "  lockd --cell demo --id 1 --data-dir /tmp/lockd/r1 \\",
      "        --member 1=127.0.0.1:7111,127.0.0.1:7101 \\",
      "        --member 2=127.0.0.1:7112,127.0.0.1:7102 \\",
      "        --member 3=127.0.0.1:7113,127.0.0.1:7103",
      "",
      "  # the same from a file; cell.properties holds for example:",
      "  #   cell = demo",
      "  #   member = 1=127.0.0.1:7111,127.0.0.1:7101 2=127.0.0.1:7112,... 3=...",
      "  lockd --config cell.properties --id 1 --data-dir /tmp/lockd/r1",
      "",
      "  # a new replica 6 joins the running cell (added first: lockctl member add 6 PEER CLIENT):",
      "  lockd --cell demo --id 6 --data-dir /tmp/lockd/r6 --join \\",
      "        --member '1=127.0.0.1:7111,127.0.0.1:7101 2=127.0.0.1:7112,127.0.0.1:7102' \\",
      "        --member 6=127.0.0.1:7116,127.0.0.1:7106",
      "",
      "  # check the settings without starting:",
      "  lockd --config cell.properties --id 1 --data-dir /tmp/lockd/r1 --check",
      "",
      "  # show every replica of a running cell:",
      "  lockd status 127.0.0.1:7101",
      "",
      "  # a local five-replica cell to try things out (from the source tree):",
      "  deploy/local/cell.sh start",
      "",
      "  # the same with mutual TLS and a throwaway CA (docs/security.md):",
      "  deploy/local/cell.sh start --tls",
      "",
      "SIGTERM stops the replica cleanly (exit status 143, as for any JVM so stopped);",
      "exit status 1: the replica failed; 2: bad settings.",
      "Log level: environment LOCKD_LOG_LEVEL (default INFO)."
    })
public final class LockdMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(LockdMain.class);

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with default values for any option below.")
  Path config;

  @Option(
      names = "--cell",
      paramLabel = "NAME",
      defaultValue = "lockd",
      description =
          "The cell's name; replicas of another cell are refused " + "(default: ${DEFAULT-VALUE}).")
  String cell;

  @Option(names = "--id", paramLabel = "ID", description = "This replica's id: one of the members.")
  Integer id;

  @Option(
      names = "--member",
      paramLabel = "ID=PEER,CLIENT",
      description =
          "A member of the cell, once per member (this one included): its id, its "
              + "peer address (host:port, where replicas talk) and its client address (host:port, "
              + "where clients connect). Several members may share one value, space-separated.")
  List<String> members;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where this replica keeps its durable state (created if missing).")
  Path dataDir;

  @Option(
      names = "--join",
      description =
          "Join a running cell that already added this replica as a learner (lockctl member add):"
              + " --member lists the cell's current members, this one included, only so that it"
              + " finds them; it learns the configuration from the cell. The data directory must"
              + " be empty; once joined, restart it without --join. docs/operations.md.")
  boolean join;

  @Option(
      names = "--peer-listen",
      paramLabel = "HOST:PORT",
      description = "Where to accept peers (default: this member's peer address).")
  String peerListen;

  @Option(
      names = "--client-listen",
      paramLabel = "HOST:PORT",
      description =
          "Where to accept clients (default: this member's client address; "
              + "0.0.0.0:PORT for every interface).")
  String clientListen;

  @Option(
      names = "--metrics-addr",
      paramLabel = "HOST:PORT",
      description =
          "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (default: none; "
              + "docs/operations.md lists the metrics).")
  String metricsListen;

  @Option(names = "--check", description = "Validate the settings, print them, and exit.")
  boolean checkOnly;

  @CommandLine.ArgGroup(
      exclusive = false,
      heading = "%nTiming (--lease-ms and --clock-drift equal on all members):%n")
  TimingOptions timing = new TimingOptions();

  @CommandLine.ArgGroup(exclusive = false, heading = "%nNamespace limits (equal on all members):%n")
  LimitOptions limits = new LimitOptions();

  @CommandLine.ArgGroup(
      exclusive = false,
      heading = "%nServer limits (per member; best kept equal):%n")
  ServerLimitOptions serverLimits = new ServerLimitOptions();

  @CommandLine.ArgGroup(exclusive = false, heading = "%nInternals (per member; rarely changed):%n")
  AdvancedOptions advanced = new AdvancedOptions();

  @CommandLine.ArgGroup(
      exclusive = false,
      heading = "%nTLS (both ports; without it every port is plaintext and unauthenticated):%n")
  TlsOptions tls = new TlsOptions();

  @CommandLine.ArgGroup(exclusive = false, heading = "%nAdministration (equal on all members):%n")
  AdminOptions admin = new AdminOptions();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit status (for tests: no System.exit). */
  public static int run(String... args) {
    CommandLine cmd = new CommandLine(new LockdMain());
    cmd.setParameterExceptionHandler(
        (e, arguments) -> {
          e.getCommandLine().getErr().println("lockd: " + e.getMessage());
          e.getCommandLine().getErr().println("Run 'lockd --help' for the options and examples.");
          return 2;
        });
    try {
      Path file = configFile(args);
      if (file != null) {
        cmd.setDefaultValueProvider(ConfigFile.read(file, cmd.getCommandSpec()));
      }
    } catch (IllegalArgumentException e) {
      cmd.getErr().println("lockd: " + e.getMessage());
      return 2;
    }
    return cmd.execute(args);
  }

  @Override
  public Integer call() {
    PrintWriter err = new CommandLine(this).getErr();
    LockdConfig settings;
    try {
      settings = config();
    } catch (IllegalArgumentException e) {
      err.println("lockd: " + e.getMessage());
      err.println("Run 'lockd --help' for the options and examples.");
      return 2;
    }
    if (checkOnly) {
      System.out.println("lockd: settings are valid: " + settings.describe());
      return 0;
    }
    return serve(settings, err);
  }

  private int serve(LockdConfig settings, PrintWriter err) {
    Path dir = settings.dataDir();
    try (FileChannel lockFile =
            FileChannel.open(
                dir.resolve("lockd.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = lockFile.tryLock()) {
      if (held == null) {
        err.println("lockd: another lockd process is using the data directory " + dir);
        return 2;
      }
      LockdServer server;
      try {
        server = LockdServer.start(settings);
      } catch (RuntimeException | IOException e) {
        log.error("replica {} did not start", settings.selfId(), e);
        err.println("lockd: replica " + settings.selfId() + " did not start: " + e.getMessage());
        return 1;
      }
      AtomicBoolean stopping = new AtomicBoolean();
      Thread hook =
          new Thread(
              () -> {
                stopping.set(true);
                log.info("replica {}: shutting down", settings.selfId());
                server.close();
              },
              "lockd-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      log.info("replica {} started: {}", settings.selfId(), settings.describe());
      server.stopped().join();
      if (stopping.get()) {
        return 0;
      }
      log.error("replica {}: the replica loop stopped unexpectedly; exiting", settings.selfId());
      return 1;
    } catch (IOException e) {
      err.println("lockd: cannot lock the data directory " + dir + ": " + e.getMessage());
      return 2;
    }
  }

  /** Builds and validates every setting; IllegalArgumentException names the option and value. */
  LockdConfig config() {
    LockdConfigBuilder b = LockdConfig.builder().cell(cell);
    if (id != null) {
      b.selfId(id);
    }
    if (members != null) {
      b.members(members);
    }
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    b.join(join);
    if (peerListen != null) {
      b.peerListen(peerListen);
    }
    if (metricsListen != null) {
      b.metricsListen(metricsListen);
    }
    if (clientListen != null) {
      b.clientListen(clientListen);
    }
    timing.applyTo(b);
    limits.applyTo(b);
    serverLimits.applyTo(b);
    advanced.applyTo(b);
    tls.applyTo(b);
    admin.applyTo(b);
    LockdConfig config = b.build();
    createDataDirectory(config.dataDir());
    LockdServer.refuseJoinOnState(config);
    return config;
  }

  private static void createDataDirectory(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new IllegalArgumentException("--data-dir " + dataDir + " cannot be created: " + e);
    }
    if (!Files.isDirectory(dataDir) || !Files.isWritable(dataDir)) {
      throw new IllegalArgumentException("--data-dir " + dataDir + " is not a writable directory");
    }
  }

  /** Finds {@code --config FILE} or {@code --config=FILE} before picocli parses. */
  private static Path configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--config needs a FILE");
        }
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    return null;
  }
}
