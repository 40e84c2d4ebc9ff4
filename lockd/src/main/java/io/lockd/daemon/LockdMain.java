package io.lockd.daemon;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.replica.RuntimeConfig;
import io.lockd.server.ServerConfig;
import io.lockd.server.grpc.LockdServer;
import io.lockd.server.grpc.LockdServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.PropertiesDefaultProvider;

/** The {@code lockd} daemon: one replica of a lockd cell. */
@Command(
    name = "lockd",
    mixinStandardHelpOptions = true,
    version = "lockd 0.1.0",
    sortOptions = false,
    usageHelpAutoWidth = true,
    subcommands = StatusCommand.class,
    description = {
      "Runs one replica of a lockd cell: a Chubby-style lock service whose replicas agree on "
          + "every change through Multi-Paxos. Start one lockd per member (five is usual), each "
          + "with the same --cell and --member list and its own --id and --data-dir. The leader "
          + "serves clients; the others answer UNAVAILABLE with the leader's client address.",
      "",
      "Every option can also come from a properties file (--config): the key is the option's "
          + "name without dashes (data-dir=/var/lib/lockd); the command line wins over the file. "
          + "All members must use equal timing and limit settings.",
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
      "  # check the settings without starting:",
      "  lockd --config cell.properties --id 1 --data-dir /tmp/lockd/r1 --check",
      "",
      "  # show every replica of a running cell:",
      "  lockd status 127.0.0.1:7101",
      "",
      "  # a local five-replica cell to try things out (from the source tree):",
      "  deploy/local/cell.sh start",
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

  @Option(names = "--check", description = "Validate the settings, print them, and exit.")
  boolean checkOnly;

  @CommandLine.ArgGroup(exclusive = false, heading = "%nTiming (equal on all members):%n")
  TimingOptions timing = new TimingOptions();

  @CommandLine.ArgGroup(exclusive = false, heading = "%nLimits (equal on all members):%n")
  LimitOptions limits = new LimitOptions();

  @CommandLine.ArgGroup(
      exclusive = false,
      heading = "%nServer limits (per member; best kept equal):%n")
  ServerLimitOptions serverLimits = new ServerLimitOptions();

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
        cmd.setDefaultValueProvider(new PropertiesDefaultProvider(load(file)));
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
    LockdServerConfig settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      err.println("lockd: " + flagNames(e.getMessage()));
      err.println("Run 'lockd --help' for the options and examples.");
      return 2;
    }
    if (checkOnly) {
      System.out.println("lockd: settings are valid: " + describe(settings));
      return 0;
    }
    return serve(settings, err);
  }

  private int serve(LockdServerConfig settings, PrintWriter err) {
    Path dir = settings.runtime().dataDir();
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
      log.info("replica {} started: {}", settings.selfId(), describe(settings));
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

  /** Builds and validates every setting; IllegalArgumentException says what is wrong. */
  LockdServerConfig settings() {
    if (id == null) {
      throw new IllegalArgumentException("--id is required (or id= in the --config file)");
    }
    if (members == null || members.isEmpty()) {
      throw new IllegalArgumentException(
          "--member is required, once per member (or member= in the --config file)");
    }
    if (dataDir == null) {
      throw new IllegalArgumentException(
          "--data-dir is required (or data-dir= in the --config file)");
    }
    Members cellMembers = Members.parse(members);
    if (!cellMembers.peers().containsKey(id)) {
      throw new IllegalArgumentException(
          "--id " + id + " is not one of the members " + cellMembers.ids());
    }
    if (cell.isBlank()) {
      throw new IllegalArgumentException("--cell must not be empty");
    }
    InetSocketAddress peers = listen(peerListen, cellMembers.peers().get(id), "--peer-listen");
    InetSocketAddress clients =
        listen(clientListen, cellMembers.clients().get(id), "--client-listen");
    PaxosConfig paxos =
        new PaxosConfig(
            id,
            cellMembers.ids(),
            timing.leaseMillis,
            timing.clockDrift,
            timing.heartbeatMillis,
            timing.electionTimeoutMillis,
            timing.electionJitterMillis,
            PaxosConfig.RETRANSMIT_MILLIS,
            timing.pipelineSlots,
            1024,
            1 << 20,
            20_000,
            512,
            1 << 20);
    if (timing.tickMillis <= 0 || timing.tickMillis > timing.heartbeatMillis) {
      throw new IllegalArgumentException(
          "--tick-ms must be in [1, --heartbeat-ms], was " + timing.tickMillis);
    }
    ReplicaOptions options = new ReplicaOptions(timing.proposalTimeoutMillis, timing.snapshotEvery);
    RuntimeConfig runtime =
        new RuntimeConfig(
            cell, paxos, cellMembers.peers(), peers, dataDirectory(), options, timing.tickMillis);
    NamespaceLimits namespaceLimits = namespaceLimits();
    int inboundMax =
        serverLimits.inboundMessageBytesMax != null
            ? serverLimits.inboundMessageBytesMax
            : LockdServerConfig.defaultInboundMessageBytes(namespaceLimits);
    return new LockdServerConfig(
        runtime,
        namespaceLimits,
        serverConfig(),
        cellMembers.clients(),
        clients,
        timing.serverTickMillis,
        300,
        serverLimits.callsPerConnectionMax,
        inboundMax);
  }

  private ServerConfig serverConfig() {
    ServerConfig d = ServerConfig.defaults();
    return new ServerConfig(
        timing.graceMillis,
        d.expiriesInFlightMax(),
        serverLimits.streamsMax,
        serverLimits.streamsPerSessionMax,
        d.reconcileEveryMillis(),
        d.unreachableAfterMillis(),
        timing.clockDrift,
        serverLimits.cachedFilesPerSessionMax,
        serverLimits.callsPerStreamMax,
        serverLimits.parkedRequestsMax,
        serverLimits.parkMillis);
  }

  private NamespaceLimits namespaceLimits() {
    return NamespaceLimits.builder()
        .contentBytesMax(limits.contentBytesMax)
        .sessionsMax(limits.sessionsMax)
        .nodesMax(limits.nodesMax)
        .waitersPerLockMax(limits.waitersPerLockMax)
        .eventsPerSessionMax(limits.eventsPerSessionMax)
        .leaseMinMillis(limits.sessionLeaseMinMillis)
        .leaseMaxMillis(limits.sessionLeaseMaxMillis)
        .leaseDefaultMillis(limits.sessionLeaseMillis)
        .lockDelayDefaultMillis(limits.lockDelayMillis)
        .lockDelayMaxMillis(limits.lockDelayMaxMillis)
        .totalContentBytesMax(limits.totalContentBytesMax)
        .pathBytesMax(limits.pathBytesMax)
        .pathDepthMax(limits.pathDepthMax)
        .childrenPerDirectoryMax(limits.childrenPerDirectoryMax)
        .watchesPerSessionMax(limits.watchesPerSessionMax)
        .waitMaxMillis(limits.waitMaxMillis)
        .clientNameBytesMax(limits.clientNameBytesMax)
        .sequenceWindow(limits.sequenceWindow)
        .build();
  }

  private Path dataDirectory() {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new IllegalArgumentException("--data-dir " + dataDir + " cannot be created: " + e);
    }
    if (!Files.isDirectory(dataDir) || !Files.isWritable(dataDir)) {
      throw new IllegalArgumentException("--data-dir " + dataDir + " is not a writable directory");
    }
    return dataDir;
  }

  private static InetSocketAddress listen(String given, String member, String option) {
    String address = given == null ? member : Members.checkAddress(given, option);
    return new InetSocketAddress(Members.host(address), Members.port(address));
  }

  private static String describe(LockdServerConfig s) {
    return "cell '"
        + s.runtime().cell()
        + "', replica "
        + s.selfId()
        + " of "
        + s.runtime().paxos().replicaIds()
        + ", clients on "
        + s.clientListen()
        + ", peers on "
        + s.runtime().peerListen()
        + ", data in "
        + s.runtime().dataDir()
        + ", lease "
        + s.runtime().paxos().leaseMillis()
        + " ms, grace "
        + s.server().graceMillis()
        + " ms, limits "
        + s.limits().settingsText();
  }

  /** Settings' names as their checks report them, and the flags that set them. */
  private static final String[][] FLAG_NAMES = {
    {"leaseMillis", "--lease-ms"},
    {"heartbeatMillis", "--heartbeat-ms"},
    {"electionTimeoutMillis", "--election-timeout-ms"},
    {"electionJitterMillis", "--election-jitter-ms"},
    {"clockDriftBound", "--clock-drift"},
    {"graceMillis", "--grace-ms"},
    {"contentBytesMax", "--content-bytes-max"},
    {"sessionsMax", "--sessions-max"},
    {"nodesMax", "--nodes-max"},
    {"waitersPerLockMax", "--waiters-per-lock-max"},
    {"eventsPerSessionMax", "--events-per-session-max"},
    {"leaseDefaultMillis", "--session-lease-ms"},
    {"leaseMinMillis", "--session-lease-min-ms"},
    {"leaseMaxMillis", "--session-lease-max-ms"},
    {"lockDelayDefaultMillis", "--lock-delay-ms"},
    {"sequenceWindow", "--sequence-window"},
    {"lockDelayMaxMillis", "--lock-delay-max-ms"},
    {"totalContentBytesMax", "--total-content-bytes-max"},
    {"pathBytesMax", "--path-bytes-max"},
    {"pathDepthMax", "--path-depth-max"},
    {"childrenPerDirectoryMax", "--children-per-directory-max"},
    {"watchesPerSessionMax", "--watches-per-session-max"},
    {"waitMaxMillis", "--wait-max-ms"},
    {"clientNameBytesMax", "--client-name-bytes-max"},
    {"inboundMessageBytesMax", "--inbound-message-bytes-max"},
    {"callsPerConnectionMax", "--calls-per-connection-max"},
    {"callsPerStreamMax", "--calls-per-stream-max"},
    {"streamsPerSessionMax", "--keepalive-streams-per-session-max"},
    {"streamsMax", "--keepalive-streams-max"},
    {"parkedRequestsMax", "--parked-requests-max"},
    {"parkMillis", "--park-ms"},
    {"cachedFilesPerSessionMax", "--cached-files-per-session-max"}
  };

  /** Rewrites a check's message in terms of the flags a user types. */
  static String flagNames(String message) {
    String out = message;
    for (String[] pair : FLAG_NAMES) {
      out = out.replaceAll("\\b" + pair[0] + "\\b", pair[1]);
    }
    return out;
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

  private static Properties load(Path file) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config file " + file + ": " + e);
    }
    return p;
  }
}
