package io.lockd.cli;

import io.lockd.client.LeaderElection;
import io.lockd.client.LockClient;
import io.lockd.client.LockLossReason;
import io.lockd.client.Sequencer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockctl elect NAME -- CMD...} and {@code lockctl elect NAME --observe}. */
@Command(
    name = "elect",
    mixinStandardHelpOptions = true,
    description = {
      "Campaigns in the election NAME and runs CMD once elected, with the leadership's sequencer "
          + "in $LOCKD_SEQUENCER; resigns when CMD exits and exits with its code. If leadership is "
          + "lost while CMD runs, CMD is stopped (SIGTERM, then SIGKILL) and lockctl exits 7.",
      "With --observe: prints the current leader and every change, in order, until stopped.",
      "NAME is a path, or a plain name for /election/NAME."
    },
    footer = {
      "%nExamples:",
      "  lockctl elect indexer -- ./indexer --serve",
      "  lockctl elect indexer --observe",
      "  lockctl elect indexer --observe --count 1 -o json    # who leads now"
    })
final class ElectCommand implements Callable<Integer> {
  @Mixin GlobalOptions g;

  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "The election: a path, or a name under /election.")
  String name;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "CMD",
      description = "The command to run while leading.")
  List<String> command;

  @Option(
      names = "--observe",
      description = "Print who leads, and every change, instead of campaigning.")
  boolean observe;

  @Option(names = "--count", paramLabel = "N", description = "With --observe: stop after N lines.")
  Integer count;

  @Option(
      names = "--for",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "With --observe: stop after this long.")
  Duration duration;

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to wait to be elected (default: as long as it takes).")
  Duration wait;

  @Option(
      names = "--kill-grace",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "10s",
      description =
          "Time between SIGTERM and SIGKILL when CMD must stop (default ${DEFAULT-VALUE}).")
  Duration killGrace;

  String path() {
    return name.startsWith("/") ? name : "/election/" + name;
  }

  @Override
  public Integer call() throws Exception {
    if (observe == (command != null && !command.isEmpty())) {
      throw new IllegalArgumentException("give either --observe or -- CMD...");
    }
    try (LockClient client = g.client()) {
      return observe ? observe(client) : campaign(client);
    }
  }

  private int campaign(LockClient client) throws Exception {
    CompletableFuture<String> lost = new CompletableFuture<>();
    LeaderElection election =
        new LeaderElection(
            client,
            path(),
            new LeaderElection.Listener() {
              @Override
              public void onElected(Sequencer proof) {}

              @Override
              public void onRevoked(LockLossReason reason) {
                if (reason != null) {
                  lost.complete("lost the leadership of " + path() + " (" + reason + ")");
                }
              }
            });
    try {
      CompletableFuture<Sequencer> elected = election.campaignAsync();
      Sequencer proof;
      try {
        proof = wait == null ? elected.get() : elected.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        g.spec
            .commandLine()
            .getErr()
            .println("lockctl: not elected in " + path() + " within " + wait.toMillis() + " ms");
        return ExitCodes.NOT_ACQUIRED;
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception ex ? ex : e;
      }
      g.spec
          .commandLine()
          .getErr()
          .println(
              "lockctl: elected in " + path() + " (generation " + proof.lockGeneration() + ")");
      return ChildProcess.run(
          command,
          ChildProcess.guardEnv(proof, path()),
          lost,
          killGrace,
          election::close,
          g.spec.commandLine().getErr());
    } finally {
      election.close();
    }
  }

  private int observe(LockClient client) throws Exception {
    LinkedBlockingQueue<Optional<LeaderElection.Leader>> changes = new LinkedBlockingQueue<>();
    long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
    try (AutoCloseable o = LeaderElection.observe(client, path(), changes::add)) {
      int printed = 0;
      while (count == null || printed < count) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        Optional<LeaderElection.Leader> leader =
            changes.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
        if (leader == null) {
          continue;
        }
        print(leader);
        printed++;
      }
    }
    return ExitCodes.OK;
  }

  private void print(Optional<LeaderElection.Leader> leader) {
    var out = g.spec.commandLine().getOut();
    if (g.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("election", path());
      if (leader.isPresent()) {
        m.put("session", leader.get().sessionId());
        m.put("client", leader.get().clientName());
        m.putAll(Views.sequencer(leader.get().sequencer()));
        m.put("path", path());
      } else {
        m.put("session", null);
      }
      out.println(Json.writeLine(m));
    } else if (leader.isPresent()) {
      LeaderElection.Leader l = leader.get();
      out.println(
          "leader: session "
              + l.sessionId()
              + " ("
              + Printable.escape(l.clientName())
              + ") generation "
              + l.sequencer().lockGeneration());
    } else {
      out.println("leader: none");
    }
    out.flush();
  }
}
