package io.lockd.cli;

import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * lockctl's subcommands, in the order help lists them. picocli builds a command's model by
 * reflecting over its class's annotations; doing that for all of them took about a third of a
 * one-line answer's start-up (measured, docs/lockctl.md), so a run that names a command builds only
 * that one. Help, completion, no command or an unknown one get the whole tree.
 */
final class Subcommands {
  /**
   * The commands that need no other command's model: their {@code @Command} names, in help order.
   */
  static final List<String> LEAVES =
      List.of(
          "status",
          "ls",
          "stat",
          "get",
          "put",
          "mkdir",
          "rm",
          "acl",
          "locks",
          "sessions",
          "session",
          "lock",
          "elect",
          "watch",
          "snapshot",
          "member",
          "bench");

  private Subcommands() {}

  /**
   * The class of a leaf command, or null. A switch rather than a map, so that only the class named
   * is loaded.
   */
  static Class<?> leaf(String name) {
    return switch (name) {
      case "status" -> ClusterCommands.Status.class;
      case "ls" -> NodeCommands.Ls.class;
      case "stat" -> NodeCommands.Stat.class;
      case "get" -> NodeCommands.Get.class;
      case "put" -> NodeCommands.Put.class;
      case "mkdir" -> NodeCommands.Mkdir.class;
      case "rm" -> NodeCommands.Rm.class;
      case "acl" -> AclCommands.AclGroup.class;
      case "locks" -> ClusterCommands.Locks.class;
      case "sessions" -> ClusterCommands.Sessions.class;
      case "session" -> ClusterCommands.SessionGroup.class;
      case "lock" -> LockCommand.class;
      case "elect" -> ElectCommand.class;
      case "watch" -> WatchCommand.class;
      case "snapshot" -> SnapshotCommands.Group.class;
      case "member" -> MemberCommands.Group.class;
      case "bench" -> BenchCommand.class;
      default -> null;
    };
  }

  /** Adds what a run with these arguments needs to {@code cli}. */
  static void add(CommandLine cli, String... args) {
    Class<?> only = args.length > 0 ? leaf(args[0]) : null;
    if (only != null) {
      cli.addSubcommand(args[0], only);
      return;
    }
    for (String name : LEAVES) {
      cli.addSubcommand(name, leaf(name));
    }
    cli.addSubcommand("generate-completion", AutoComplete.GenerateCompletion.class);
    cli.addSubcommand("help", CommandLine.HelpCommand.class);
  }
}
