package io.lockd.cli;

import io.lockd.client.CellMember;
import io.lockd.client.CellMembers;
import io.lockd.client.LockClient;
import io.lockd.client.LockdException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lockctl member list|add|promote|remove}: the cell's configuration (docs/consensus.md,
 * "Membership change"; docs/operations.md, "Replace a dead replica"). Every one needs an admin
 * identity and is answered by the leader.
 */
final class MemberCommands {
  private static final List<String> COLUMNS =
      List.of("id", "role", "peer_address", "client_address");

  private MemberCommands() {}

  @Command(
      name = "member",
      mixinStandardHelpOptions = true,
      description = "Lists and changes the cell's members (needs an admin identity).",
      subcommands = {ListMembers.class, Add.class, Promote.class, Remove.class})
  static final class Group implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists every member of the newest configuration the leader knows: id, role (voter or "
            + "learner), peer and client address; and whether a change is still pending (chosen, "
            + "not yet in force: the next change is refused until it is)."
      },
      footer = {"%nExamples:", "  lockctl member list", "  lockctl member list -o json"})
  static final class ListMembers implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        CellMembers m = client.admin().members();
        if (g.json()) {
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("leader_id", m.leaderId());
          out.put("pending", m.pending());
          out.put("members", rows(m));
          g.printObject(out);
        } else {
          g.spec
              .commandLine()
              .getOut()
              .println(
                  "leader: replica "
                      + m.leaderId()
                      + (m.pending() ? "; a change is pending (not yet in force)" : ""));
          g.printRows(COLUMNS, rows(m));
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Adds replica ID as a learner: it receives the log but does not vote. Then start it with "
            + "'lockd --join' on an empty data directory, and promote it once it caught up. Refused "
            + "(exit 5) for an id or address that is already a member's, an id removed before (ids "
            + "are never reused), or while another change is pending; exit 2 for a malformed "
            + "address."
      },
      footer = {
        "%nExample:",
        "  lockctl member add 6 10.0.0.6:7111 10.0.0.6:7101",
        "  lockd --join --id 6 --data-dir /var/lib/lockd/data --member '...' ..."
      })
  static final class Add implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "ID", description = "The new replica's id (never used).")
    int id;

    @Parameters(index = "1", paramLabel = "PEER", description = "Its peer address, host:port.")
    String peer;

    @Parameters(index = "2", paramLabel = "CLIENT", description = "Its client address, host:port.")
    String clientAddress;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        defaultValue = "0s",
        description =
            "While another change is pending, retry for up to this long (default ${DEFAULT-VALUE}).")
    Duration wait;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        CellMembers m =
            retrying(wait, () -> client.admin().addMember(id, peer, clientAddress), false);
        return done(g, "added replica " + id + " as a learner", m);
      }
    }
  }

  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = {
        "Makes learner ID a voter. Refused (exit 5) while it is not caught up (more than 64 slots "
            + "behind the leader, or not heard from yet) or another change is pending; --wait "
            + "retries those refusals. Exit 4 if ID is no member."
      },
      footer = {"%nExample:", "  lockctl member promote 6 --wait 60s"})
  static final class Promote implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "ID", description = "The learner's id.")
    int id;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        defaultValue = "0s",
        description =
            "While the learner is not caught up or another change is pending, retry for up to"
                + " this long (default ${DEFAULT-VALUE}).")
    Duration wait;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        CellMembers m = retrying(wait, () -> client.admin().promoteMember(id), true);
        return done(g, "promoted replica " + id + " to a voter", m);
      }
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "Removes member ID, a voter or a learner, the leader too (the others elect another). "
            + "Refused (exit 5) if fewer than three voters would remain or another change is "
            + "pending; exit 4 if ID is no member. Stop the removed replica's process afterwards; "
            + "the others refuse it from then on, and its id is never used again."
      },
      footer = {"%nExample:", "  lockctl member remove 3"})
  static final class Remove implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "ID", description = "The member's id.")
    int id;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        defaultValue = "0s",
        description =
            "While another change is pending, retry for up to this long (default ${DEFAULT-VALUE}).")
    Duration wait;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        CellMembers m = retrying(wait, () -> client.admin().removeMember(id), false);
        return done(g, "removed replica " + id, m);
      }
    }
  }

  /**
   * Runs {@code change}; retries (for at most {@code wait}) a refusal that time can lift: another
   * change pending, and, if {@code behind}, a learner not caught up yet.
   */
  static CellMembers retrying(Duration wait, Supplier<CellMembers> change, boolean behind) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        return change.get();
      } catch (LockdException e) {
        String says = String.valueOf(e.getMessage());
        boolean passing =
            says.contains("in progress") || (behind && says.contains("not caught up"));
        if (!passing || System.nanoTime() >= deadline) {
          throw e;
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static int done(GlobalOptions g, String what, CellMembers m) {
    if (g.json()) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("slot", m.slot());
      out.put("members", rows(m));
      g.printObject(out);
    } else {
      g.spec
          .commandLine()
          .getOut()
          .println(what + " (chosen at slot " + m.slot() + ", in force 64 slots later)");
      g.printRows(COLUMNS, rows(m));
    }
    return ExitCodes.OK;
  }

  private static List<Map<String, Object>> rows(CellMembers m) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CellMember c : m.members()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", c.id());
      r.put("role", c.voter() ? "voter" : "learner");
      r.put("peer_address", c.peerAddress());
      r.put("client_address", c.clientAddress());
      rows.add(r);
    }
    return rows;
  }
}
