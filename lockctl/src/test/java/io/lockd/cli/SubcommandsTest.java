package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A run that names a command builds only that command; help and completion see every command. */
class SubcommandsTest {
  @Test
  void aNamedCommandIsTheOnlyOneBuilt() {
    assertEquals(
        List.of("status"),
        List.copyOf(Lockctl.commandLine("status", "-o", "json").getSubcommands().keySet()));
    assertEquals(
        List.of("session"),
        List.copyOf(Lockctl.commandLine("session", "close", "7").getSubcommands().keySet()));
  }

  @Test
  void helpCompletionAndUnknownCommandsSeeTheWholeTree() {
    List<String> all = new ArrayList<>(Subcommands.LEAVES);
    all.addAll(List.of("generate-completion", "help"));
    for (String[] args :
        List.of(
            new String[0],
            new String[] {"--help"},
            new String[] {"help", "status"},
            new String[] {"generate-completion"},
            new String[] {"stauts"})) {
      assertEquals(
          all,
          List.copyOf(Lockctl.commandLine(args).getSubcommands().keySet()),
          String.join(" ", args));
    }
  }

  @Test
  void eachNameIsItsCommandsOwnName() {
    for (String name : Subcommands.LEAVES) {
      assertEquals(name, Subcommands.leaf(name).getAnnotation(CommandLine.Command.class).name());
    }
  }
}
