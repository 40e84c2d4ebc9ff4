package io.lockd.cli;

import io.lockd.client.CellStatus;
import io.lockd.client.LockClient;
import io.lockd.client.LockDetails;
import io.lockd.client.ReplicaState;
import io.lockd.client.SessionSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The cluster commands: status, locks, sessions, session close. */
final class ClusterCommands {
  private ClusterCommands() {}

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Shows every replica: role, ballot (round.replica), chosen and applied slot, lag, the leader's lease, "
            + "last contact and state checksum, as the answering replica knows them; then a line for "
            + "each replica whose state diverged from the majority's and for each peer a replica distrusts, "
            + "and whether each serves TLS (with a warning line naming those that serve plaintext).",
        "Exits 3 if the cell cannot be reached or has no leader (the table is still printed)."
      },
      footer = {"%nExamples:", "  lockctl status", "  lockctl status -o json"})
  static final class Status implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        CellStatus s = client.admin().cellStatus();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ReplicaState r : s.replicas()) {
          rows.add(Views.replica(r, s.leaderId()));
        }
        String leaderAddress =
            rows.stream()
                .filter(r -> Boolean.TRUE.equals(r.get("leader")))
                .map(r -> (String) r.get("address"))
                .findFirst()
                .orElse(null);
        if (g.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("leader_id", s.leaderId());
          m.put("leader_address", leaderAddress);
          m.put("responder_id", s.responderId());
          m.put("replicas", rows);
          g.printObject(m);
        } else {
          var out = g.spec.commandLine().getOut();
          out.println(
              s.leaderId() == 0
                  ? "leader: none known (answered by replica " + s.responderId() + ")"
                  : "leader: replica "
                      + s.leaderId()
                      + " at "
                      + Printable.escape(String.valueOf(leaderAddress))
                      + " (answered by replica "
                      + s.responderId()
                      + ")");
          g.printRows(
              List.of(
                  "id",
                  "address",
                  "role",
                  "ballot",
                  "chosen",
                  "applied",
                  "lag",
                  "lease_ms",
                  "last_contact_ms",
                  "checksum",
                  "tls"),
              rows);
          Views.trustNotes(s.replicas()).forEach(out::println);
          Views.plaintextNote(s.replicas()).forEach(out::println);
        }
        if (s.leaderId() == 0) {
          g.spec.commandLine().getErr().println("lockctl: the cell has no leader");
          return ExitCodes.UNAVAILABLE;
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "locks",
      mixinStandardHelpOptions = true,
      description = {
        "Shows a lock (PATH given) or every lock that is held or waited for: mode, holders with their "
            + "session and client name, generation, FIFO waiters, lock-delay left.",
      },
      footer = {
        "%nExamples:",
        "  lockctl locks",
        "  lockctl locks /jobs/nightly",
        "  lockctl locks -o json"
      })
  static final class Locks implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "PATH",
        description = "One lock's node (default: all busy locks).")
    String path;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        if (path != null) {
          LockDetails info = client.lockInfo(path);
          if (g.json()) {
            g.printObject(Views.lock(info));
          } else {
            g.printRows(
                List.of("path", "mode", "generation", "holders", "waiters", "lock_delay_left_ms"),
                List.of(Views.lockRow(info)));
          }
          return ExitCodes.OK;
        }
        TreeSet<String> paths = new TreeSet<>();
        for (SessionSummary s : client.admin().sessions()) {
          paths.addAll(s.heldLocks());
          paths.addAll(s.waitingLocks());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String p : paths) {
          LockDetails info = client.lockInfo(p);
          rows.add(g.json() ? Views.lock(info) : Views.lockRow(info));
        }
        g.printRows(
            List.of("path", "mode", "generation", "holders", "waiters", "lock_delay_left_ms"),
            rows);
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "sessions",
      mixinStandardHelpOptions = true,
      description =
          "Lists every session (needs an admin identity): id, client name, creator identity, lease, creation, held and awaited locks, ephemeral nodes, watches, buffered events, whether it caches.",
      footer = {"%nExamples:", "  lockctl sessions", "  lockctl sessions -o json"})
  static final class Sessions implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SessionSummary s : client.admin().sessions()) {
          rows.add(Views.session(s));
        }
        g.printRows(
            List.of(
                "id",
                "client",
                "creator",
                "lease_ms",
                "created",
                "held_locks",
                "waiting_locks",
                "ephemeral_nodes",
                "watches",
                "buffered_events",
                "caching"),
            rows);
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "session",
      mixinStandardHelpOptions = true,
      description = "Operates on one session.",
      subcommands = {SessionClose.class})
  static final class SessionGroup implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "close",
      mixinStandardHelpOptions = true,
      description = {
        "Ends a session as if its lease had expired (an administrator's tool): its locks are released "
            + "with their lock-delay, its ephemeral nodes deleted, its waits and watches dropped."
      },
      footer = {"%nExample:", "  lockctl session close 42"})
  static final class SessionClose implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(
        index = "0",
        paramLabel = "ID",
        description = "The session id (see 'lockctl sessions').")
    long id;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        client.admin().forceCloseSession(id);
        if (g.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("closed", id);
          g.printObject(m);
        }
        return ExitCodes.OK;
      }
    }
  }
}
