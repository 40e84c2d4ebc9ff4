package io.lockd.sim;

import io.lockd.namespace.Namespace;
import io.lockd.paxos.Command;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.Replica;
import io.lockd.replica.ReplicaListener;
import io.lockd.replica.ReplicaLoop;
import io.lockd.replica.StateMachine;
import io.lockd.server.CellServer;
import io.lockd.server.ForwardingServedReplica;
import io.lockd.server.ServedReplica;
import io.lockd.server.ServerConfig;
import io.lockd.server.ServerEvents;
import io.lockd.server.ServerTicks;

/**
 * One simulated lockd process above the driver: the production {@link Namespace} and {@link
 * CellServer}, wired as the daemon wires them, with the simulation's wall clock. The namespace is
 * wrapped so that the {@link LockCheckers} see every command each replica applies, and the replica
 * is wrapped so that they see every command the server proposes.
 */
public final class LockHost implements SimHost {
  /** The daemon's default {@code --server-tick-ms}. */
  static final long SERVER_TICK_MILLIS = 10;

  /**
   * Nodes a capture copies per step: a simulated namespace holds tens of nodes, so that the
   * replicas' checksums and snapshots are copied over several turns with commands applied between
   * them, as a large state's are in production.
   */
  static final int CAPTURE_NODES_PER_STEP = 3;

  private final int replicaId;
  private final Namespace namespace = new Namespace();
  private final LockCheckers checkers;
  private final EventQueue events;
  private final ServerConfig config;
  private final ServerEvents serverEvents;
  private CellServer server;
  private ReplicaLoop.Duty duty = ReplicaLoop.Duty.NONE;
  private Replica replica;

  /** Counts changes of the namespace (applies, restores), so checksums are taken only then. */
  private long version;

  public LockHost(int replicaId, LockCheckers checkers, EventQueue events, ServerConfig config) {
    this(replicaId, checkers, events, config, ServerEvents.NONE);
  }

  /**
   * As above, with the server telling {@code serverEvents} of its moments (tests inject faults).
   */
  public LockHost(
      int replicaId,
      LockCheckers checkers,
      EventQueue events,
      ServerConfig config,
      ServerEvents serverEvents) {
    this.replicaId = replicaId;
    this.checkers = checkers;
    this.events = events;
    this.config = config;
    this.serverEvents = serverEvents;
    checkers.stateReplaced(replicaId, namespace);
  }

  public CellServer server() {
    return server;
  }

  public Namespace namespace() {
    return namespace;
  }

  /** How often the namespace changed (see {@link ChecksumChecker}). */
  long version() {
    return version;
  }

  /**
   * Injected divergence: applies a command that was never chosen to this replica's namespace alone,
   * as a forged message or a bug would. The command does nothing but count, which is enough to make
   * the state differ.
   */
  public void corrupt() {
    namespace.apply(replica.appliedIndex(), new Command(0, new byte[0]));
    version++;
  }

  @Override
  public StateMachine stateMachine() {
    return new StateMachine() {
      @Override
      public byte[] apply(long slot, Command command) {
        checkers.beforeApply(replicaId, namespace, command);
        version++;
        byte[] result = namespace.apply(slot, command);
        checkers.afterApply(replicaId, namespace, command, result);
        return result;
      }

      @Override
      public byte[] snapshot() {
        return namespace.snapshot();
      }

      @Override
      public void restore(byte[] snapshot) {
        version++;
        namespace.restore(snapshot);
        checkers.stateReplaced(replicaId, namespace);
      }

      @Override
      public Image capture() {
        return namespace.capture(CAPTURE_NODES_PER_STEP);
      }

      @Override
      public boolean readable(byte[] snapshot) {
        return namespace.readable(snapshot);
      }

      @Override
      public void restore(SnapshotBytes snapshot) {
        version++;
        namespace.restore(snapshot);
        checkers.stateReplaced(replicaId, namespace);
      }

      @Override
      public boolean readable(SnapshotBytes snapshot) {
        return namespace.readable(snapshot);
      }
    };
  }

  @Override
  public void attach(Replica replica) {
    this.replica = replica;
    ServedReplica served = ServedReplica.of(replica);
    ServedReplica observed = new ObservedReplica(served);
    // Leader time: the simulation's real time in milliseconds (a wall clock with no skew).
    server =
        new CellServer(observed, namespace, () -> events.nowMicros() / 1000, config, serverEvents);
    duty = new ServerTicks(server, SERVER_TICK_MILLIS, () -> {});
  }

  @Override
  public ReplicaLoop.Duty duty() {
    return duty;
  }

  @Override
  public ReplicaListener listener() {
    return new ReplicaListener() {
      @Override
      public void applied(long appliedIndex) {
        if (server != null) {
          server.onApplied();
        }
      }
    };
  }

  /** Shows the checkers every command the server proposes, at the instant it proposes it. */
  private final class ObservedReplica extends ForwardingServedReplica {
    ObservedReplica(ServedReplica inner) {
      super(inner);
    }

    @Override
    public void propose(byte[] payload, ProposalCallback callback) {
      try {
        checkers.proposed(replicaId, NamespaceCommand.parseFrom(payload));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new Violation("server proposed an undecodable command: " + e.getMessage());
      }
      super.propose(payload, callback);
    }
  }
}
