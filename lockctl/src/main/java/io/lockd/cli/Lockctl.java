package io.lockd.cli;

import io.lockd.client.LockClient;
import io.lockd.client.LockdException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code lockctl}: shows and operates a lockd cell from the command line.
 *
 * <pre>
 * lockctl status                          # replicas, roles, leader, slots, lag, lease
 * lockctl ls /services -l                 # children with their stats
 * lockctl put /config/db "jdbc:..." --create
 * lockctl lock /jobs/nightly -- ./nightly.sh   # holds the lock while the command runs
 * lockctl watch /config/db
 * lockctl status -o json
 * </pre>
 *
 * <p>Every command takes {@code --endpoints} (or {@code $LOCKD_ENDPOINTS}), {@code -o table|json}
 * and {@code --timeout}; exit codes are listed by {@code lockctl --help}.
 */
@Command(
    name = "lockctl",
    mixinStandardHelpOptions = true,
    version = "lockctl 0.1.0",
    description =
        "Shows and operates a lockd cell: its replicas, nodes, locks, sessions and elections.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  deploy/local/cell.sh start && lockctl status",
      "  lockctl mkdir -p /jobs && lockctl put /jobs/nightly --create ''",
      "  lockctl lock /jobs/nightly -- sh -c 'echo holding with $LOCKD_SEQUENCER; sleep 5'",
      "  lockctl locks -o json",
      "  lockctl acl set /jobs alice:rwla group:ops:rwl anyone:r",
      "  source <(lockctl generate-completion)    # shell completion for bash and zsh",
      "",
      "Every command takes --endpoints HOST:PORT,... (or $LOCKD_ENDPOINTS), -o table|json and",
      "--timeout; see 'lockctl help COMMAND'."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success (lock and elect: the command's own exit code)",
      "1:failure (the message says what)",
      "2:bad usage or bad input (unknown option, malformed path)",
      "3:the cell is unreachable or has no leader",
      "4:no such node or session",
      "5:refused for the current state (exists, not empty, generation mismatch, locked)",
      "6:the lock or leadership was not obtained in time",
      "7:the lock or leadership was lost while the command ran (it was stopped)",
      "8:permission denied (a node's ACL, the admin right, or another identity's session)"
    })
public final class Lockctl implements Runnable {
  private static volatile UnaryOperator<LockClient.Builder> customizer = UnaryOperator.identity();
  private static volatile OutputStream rawOut = System.out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    LockctlLogging.configure();
    System.exit(run(args, System.out, System.err));
  }

  /** Runs lockctl with these streams; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    rawOut = out;
    CommandLine cli = commandLine(args);
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    return cli.execute(args);
  }

  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new Lockctl());
    Subcommands.add(cli, args);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          // Messages may quote names from the cell: escaped like everything lockctl prints.
          if (e instanceof LockdException le) {
            err.println("lockctl: " + Printable.escape(String.valueOf(le.getMessage())));
            return ExitCodes.of(le);
          }
          if (e instanceof IllegalArgumentException) {
            err.println("lockctl: " + Printable.escape(String.valueOf(e.getMessage())));
            return ExitCodes.USAGE;
          }
          err.println("lockctl: " + Printable.escape(e.toString()));
          return ExitCodes.FAILED;
        });
    return cli;
  }

  /** Where {@code get} writes raw contents. */
  static OutputStream rawOut() {
    return rawOut;
  }

  /** Tests: adjusts every client lockctl builds (e.g. its channels). */
  static void setClientCustomizer(UnaryOperator<LockClient.Builder> c) {
    customizer = c == null ? UnaryOperator.identity() : c;
  }

  static UnaryOperator<LockClient.Builder> clientCustomizer() {
    return customizer;
  }
}
