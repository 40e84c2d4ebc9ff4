package io.lockd.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * lockctl's subcommands, in the order help lists them. picocli builds a command's model by
 * reflecting over its class's annotations; doing that for all of them took about a third of a
 * one-line answer's start-up (measured, docs/lockctl.md), so a run that names a command builds only
 * that one. Help, completion, no command or an unknown one get the whole tree.
 */
final class Subcommands {
  /** The commands that need no other command's model; the names are their {@code @Command} names. */
  static final Map<String, Class<?>> LEAVES = leaves();

  private Subcommands() {}

  private static Map<String, Class<?>> leaves() {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    m.put("status", ClusterCommands.Status.class);
    m.put("ls", NodeCommands.Ls.class);
    m.put("stat", NodeCommands.Stat.class);
    m.put("get", NodeCommands.Get.class);
    m.put("put", NodeCommands.Put.class);
    m.put("mkdir", NodeCommands.Mkdir.class);
    m.put("rm", NodeCommands.Rm.class);
    m.put("locks", ClusterCommands.Locks.class);
    m.put("sessions", ClusterCommands.Sessions.class);
    m.put("session", ClusterCommands.SessionGroup.class);
    m.put("lock", LockCommand.class);
    m.put("elect", ElectCommand.class);
    m.put("watch", WatchCommand.class);
    m.put("bench", BenchCommand.class);
    return m;
  }

  /** Adds what a run with these arguments needs to {@code cli}. */
  static void add(CommandLine cli, String... args) {
    Class<?> only = args.length > 0 ? LEAVES.get(args[0]) : null;
    if (only != null) {
      cli.addSubcommand(args[0], only);
      return;
    }
    LEAVES.forEach(cli::addSubcommand);
    cli.addSubcommand("generate-completion", AutoComplete.GenerateCompletion.class);
    cli.addSubcommand("help", CommandLine.HelpCommand.class);
  }
}
