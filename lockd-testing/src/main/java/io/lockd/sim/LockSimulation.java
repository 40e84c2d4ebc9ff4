package io.lockd.sim;

import io.lockd.namespace.Namespace;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.CellServer;
import io.lockd.server.Reply;
import io.lockd.server.ServerConfig;
import io.lockd.server.ServerError;
import io.lockd.server.ServerEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The lock service under the deterministic simulation: the namespace and the server layer on every
 * replica, simulated applications taking locks with fencing, keeping sessions alive and letting
 * them expire, under the same faults as the consensus simulation. Consensus checks run as in {@link
 * Simulation}; {@link LockCheckers} and the clients add the lock-service ones, and {@link
 * ChecksumChecker} compares the replicas' states at equal applied slots after every step.
 */
final class LockSimulation {
  record Result(
      long seed,
      int replicas,
      long steps,
      long deliveries,
      long locks,
      long sessions,
      String violation) {}

  private static final long SAFETY_MILLIS = 15_000;
  private static final long LIVENESS_MILLIS = 30_000;
  private static final long LOCK_DELAY_MILLIS = 1_000;
  private static final int CLIENTS = 5;
  private static final List<String> LOCKS = List.of("/locks/a", "/locks/b", "/locks/c");

  private final long seed;
  private final int size;
  private final SimCell cell;
  private final LockCheckers checkers;
  private final SimResource resource = new SimResource();
  private final List<SimLockClient> clients = new ArrayList<>();
  private final ChecksumChecker states = new ChecksumChecker();
  private final boolean injectDivergence;

  LockSimulation(long seed, int size) {
    this(seed, size, ServerEvents.NONE, false);
  }

  /**
   * @param serverEvents told of the servers' moments (to inject faults there)
   * @param injectDivergence halfway through the faulty phase, one running replica applies a command
   *     nobody chose (the harness does it to its namespace): the checkers must notice
   */
  LockSimulation(long seed, int size, ServerEvents serverEvents, boolean injectDivergence) {
    this.seed = seed;
    this.injectDivergence = injectDivergence;
    this.size = size;
    EventQueue[] queue = new EventQueue[1];
    LockCheckers[] check = new LockCheckers[1];
    ServerConfig server = ServerConfig.defaults().withGraceMillis(1_000);
    this.cell =
        new SimCell(
            seed,
            size,
            Set.of(),
            new ReplicaOptions(3_000, 200),
            id -> () -> new LockHost(id, check[0], queue[0], server, serverEvents));
    queue[0] = cell.events;
    this.checkers = new LockCheckers(cell.events, LOCKS, LOCK_DELAY_MILLIS);
    check[0] = checkers;
    for (int c = 1; c <= CLIENTS; c++) {
      clients.add(new SimLockClient(c, cell, cell.random.split(), checkers, resource, LOCKS));
    }
  }

  Result run() {
    return result(Violation.findIn(this::play));
  }

  /** The run itself; a checker throws {@link Violation}. */
  private void play() {
    cell.afterStep = () -> states.check(cell.replicas);
    cell.start();
    bootstrap();
    if (injectDivergence) {
      cell.events.after(SAFETY_MILLIS * 500, this::corruptOne);
    }
    clients.forEach(SimLockClient::start);
    cell.runUntil(cell.events.nowMicros() + SAFETY_MILLIS * 1000);
    cell.heal();
    clients.forEach(SimLockClient::stop);
    long deadline = cell.events.nowMicros() + LIVENESS_MILLIS * 1000;
    while (cell.events.nowMicros() < deadline && !settled()) {
      cell.runUntil(Math.min(deadline, cell.events.nowMicros() + 100_000));
    }
    if (!settled()) {
      throw new Violation(
          "liveness: clients still busy or replicas diverged "
              + LIVENESS_MILLIS
              + " ms after faults stopped: "
              + describe());
    }
  }

  private void corruptOne() {
    for (SimReplica r : cell.replicas) {
      if (r.isUp() && r.replica().appliedIndex() > 0 && r.host() instanceof LockHost host) {
        host.corrupt();
        return;
      }
    }
  }

  private Result result(String violation) {
    long locks = clients.stream().mapToLong(SimLockClient::acquired).sum();
    return new Result(
        seed,
        size,
        cell.events.executed(),
        cell.network.deliveries(),
        locks,
        checkers.sessions,
        violation);
  }

  /** Creates the lock nodes, the watched node and the ephemeral folder before the clients run. */
  private void bootstrap() {
    List<CreateNodeRequest.Builder> nodes = new ArrayList<>();
    nodes.add(node("/locks", NodeKind.NODE_KIND_DIRECTORY));
    for (String lock : LOCKS) {
      nodes.add(node(lock, NodeKind.NODE_KIND_FILE).setLockDelayMillis(LOCK_DELAY_MILLIS));
    }
    nodes.add(node("/data", NodeKind.NODE_KIND_DIRECTORY));
    nodes.add(node(SimLockClient.WATCHED, NodeKind.NODE_KIND_FILE));
    nodes.add(node("/eph", NodeKind.NODE_KIND_DIRECTORY));
    long[] session = {0};
    int[] next = {0};
    long deadline = cell.events.nowMicros() + 60_000_000;
    while (next[0] < nodes.size() && cell.events.nowMicros() < deadline) {
      SimReplica leader = cell.servingLeader();
      if (leader != null && leader.host() instanceof LockHost host) {
        CellServer s = host.server();
        if (session[0] == 0) {
          leader.input(
              () ->
                  s.createSession(
                      CreateSessionRequest.newBuilder()
                          .setRequestedLeaseMillis(60_000)
                          .setClientName("bootstrap")
                          .build(),
                      reply(r -> session[0] = r.getSessionId())));
        } else {
          CreateNodeRequest request =
              nodes
                  .get(next[0])
                  .setHeader(
                      RequestHeader.newBuilder().setSessionId(session[0]).setSequence(next[0] + 1))
                  .build();
          int index = next[0];
          leader.input(
              () ->
                  s.createNode(
                      request,
                      new Reply<>() {
                        @Override
                        public void ok(io.lockd.proto.v1.CreateNodeResponse value) {
                          next[0] = Math.max(next[0], index + 1);
                        }

                        @Override
                        public void error(ServerError error) {
                          if (error.code() == ServerError.ALREADY_EXISTS) {
                            next[0] = Math.max(next[0], index + 1); // an earlier attempt made it
                          }
                        }
                      }));
        }
      }
      cell.runUntil(cell.events.nowMicros() + 50_000);
    }
    if (next[0] < nodes.size()) {
      throw new Violation("liveness: could not create the lock nodes within 60 s");
    }
  }

  private static CreateNodeRequest.Builder node(String path, NodeKind kind) {
    return CreateNodeRequest.newBuilder().setPath(path).setKind(kind);
  }

  private static <T> Reply<T> reply(java.util.function.Consumer<T> ok) {
    return new Reply<T>() {
      @Override
      public void ok(T value) {
        ok.accept(value);
      }

      @Override
      public void error(ServerError error) {
        // ALREADY_EXISTS after a retry, or not leading any more: the loop tries again
      }
    };
  }

  private String describe() {
    StringBuilder b = new StringBuilder();
    for (SimLockClient c : clients) {
      if (!c.idle()) {
        b.append(c).append("; ");
      }
    }
    for (SimReplica r : cell.replicas) {
      Namespace ns = ((LockHost) r.host()).namespace();
      b.append(
          String.format(
              "[r%d %s applied=%d sum=%x] ",
              r.id, r.replica().role(), ns.appliedIndex(), ns.stateChecksum()));
    }
    return b.toString();
  }

  private boolean settled() {
    for (SimLockClient c : clients) {
      if (!c.idle()) {
        return false;
      }
    }
    long checksum = 0;
    long applied = -1;
    for (SimReplica r : cell.replicas) {
      Namespace ns = ((LockHost) r.host()).namespace();
      if (applied >= 0 && (ns.appliedIndex() != applied || ns.stateChecksum() != checksum)) {
        return false;
      }
      applied = ns.appliedIndex();
      checksum = ns.stateChecksum();
    }
    return true;
  }
}
