package io.lockd.cli;

import io.lockd.client.Acl;
import io.lockd.client.LockClient;
import io.lockd.client.NodeStat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockctl acl get|set}: a node's access control list (docs/security.md). */
final class AclCommands {
  private AclCommands() {}

  @Command(
      name = "acl",
      mixinStandardHelpOptions = true,
      description = "Shows or replaces a node's access control list.",
      subcommands = {AclGet.class, AclSet.class})
  static final class AclGroup implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Shows a node's ACL: one row per principal with its rights (needs read).",
      footer = {"%nExamples:", "  lockctl acl get /jobs", "  lockctl acl get /jobs -o json"})
  static final class AclGet implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The node.")
    String path;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        Acl acl = client.getAcl(path);
        if (g.json()) {
          g.printObject(Views.acl(path, acl));
          return ExitCodes.OK;
        }
        g.printRows(List.of("principal", "rights"), Views.aclEntries(acl));
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = {
        "Replaces a node's ACL (needs admin on the node). Each ENTRY is PRINCIPAL:RIGHTS, where "
            + "PRINCIPAL is an identity, group:NAME (the identities listed in /lockd/groups/NAME, "
            + "one per line) or anyone, and RIGHTS are letters: r read, w write, l lock, a admin.",
        "Children keep their own ACLs; a node created later copies its parent's."
      },
      footer = {
        "%nExamples:",
        "  lockctl acl set /jobs alice:rwla group:ops:rwl anyone:r",
        "  lockctl acl set /jobs alice:rwla --if-generation 3     # compare-and-set",
        "  lockctl acl set /secret --none                          # nobody, not even you"
      })
  static final class AclSet implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The node.")
    String path;

    @Parameters(index = "1..*", paramLabel = "ENTRY", description = "PRINCIPAL:RIGHTS entries.")
    List<String> entries = new ArrayList<>();

    @Option(
        names = "--if-generation",
        paramLabel = "N",
        description = "Only if the node's ACL generation is N (see lockctl stat).")
    Long ifGeneration;

    @Option(
        names = "--none",
        description = "An ACL with no entries: nobody may do anything with the node.")
    boolean none;

    @Override
    public Integer call() {
      if (entries.isEmpty() != none) {
        throw new IllegalArgumentException(
            "name the ACL's entries (e.g. alice:rwla anyone:r), or --none for an empty ACL");
      }
      Acl acl = Acl.parse(entries.toArray(new String[0]));
      try (LockClient client = g.client()) {
        NodeStat st =
            ifGeneration == null
                ? client.setAcl(path, acl)
                : client.setAcl(path, acl, ifGeneration);
        if (g.json()) {
          g.printObject(Views.stat(st));
        } else {
          g.spec
              .commandLine()
              .getOut()
              .println(
                  Printable.escape(path)
                      + ": acl generation "
                      + st.aclGeneration()
                      + ": "
                      + Printable.escape(acl.toString()));
        }
        return ExitCodes.OK;
      }
    }
  }
}
