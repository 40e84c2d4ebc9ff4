package io.lockd.client.sim;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.lockd.client.ChannelFactory;
import io.lockd.server.grpc.ClientServices;
import io.lockd.sim.EventQueue;
import io.lockd.sim.FaultPlan;
import io.lockd.sim.LockHost;
import io.lockd.sim.SimCell;
import io.lockd.sim.SimReplica;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The simulated network between client processes and the replicas' client ports, and the ports
 * themselves. A gRPC call is a {@link Wire}: the client's half ({@link SimClientCall}, what the
 * real {@code Rpc} and {@code KeepAliveStream} talk to) and the server's half ({@link
 * SimServerCall}, driven into the production {@code lockd.v1} service adapters over the replica's
 * {@code CellServer}). Everything that crosses is serialized as on the wire: messages by their
 * marshallers, status as code and description, trailers as header bytes.
 *
 * <p>What the network does, as TCP under gRPC would: each direction of a call delivers in order
 * after a delay drawn from the seed's fault plan. A lost packet breaks the call: either both ends
 * see a reset (the client UNAVAILABLE, the server a cancel) or nothing more arrives at all, and the
 * client notices only by its deadline or its KeepAlive watchdog. A link cut between a client and a
 * replica (partition) silences every call across it and leaves new calls hanging. A call to a
 * replica that is down is refused (UNAVAILABLE); a replica that crashes resets every call it had.
 * There is no connection state beyond the call: no reconnect backoff, no HTTP/2 keepalive.
 */
final class ClientNetwork {
  static final int PORT_BASE = 7100;

  private final EventQueue events;
  private final RandomGenerator random;
  private final SimCell cell;
  private final Trace trace;
  private final long baseDelayMicros;
  private final long jitterMicros;
  private final double slowRate;
  private final long slowDelayMicros;
  private final double lossRate;
  private final boolean[][] cut;
  private final Map<Integer, String> addresses = new TreeMap<>();
  private final Map<String, Integer> replicaByAddress = new TreeMap<>();
  private final Endpoint[] endpoints;
  private boolean faultsOn = true;
  long messages;
  long brokenCalls;

  /** One replica process's client port: the production services over its current server. */
  static final class Endpoint {
    final SimReplica replica;
    final LockHost host;
    final Map<String, ServerMethodDefinition<?, ?>> methods;
    final Set<SimServerCall<?, ?>> calls = new LinkedHashSet<>();
    boolean dead;

    Endpoint(SimReplica replica, LockHost host, Map<Integer, String> addresses) {
      this.replica = replica;
      this.host = host;
      this.methods =
          ClientServices.bind(
              task -> {
                if (!dead) {
                  replica.input(() -> task.accept(replica.replica()));
                }
                return true; // a dead process neither answers nor says it is full
              },
              host.server(),
              addresses,
              replica.id);
    }
  }

  ClientNetwork(EventQueue events, RandomGenerator random, SimCell cell, int clients, Trace trace) {
    this.events = events;
    this.random = random;
    this.cell = cell;
    this.trace = trace;
    FaultPlan plan = cell.plan;
    this.baseDelayMicros = plan.baseDelayMicros;
    this.jitterMicros = plan.jitterMicros;
    this.slowRate = plan.slowRate;
    this.slowDelayMicros = plan.slowDelayMicros;
    this.lossRate = plan.dropRate / 10; // a lost packet costs a whole call here, not one message
    // Every id the cell may ever use has its address from the start, as the names of a fixed set
    // of hosts would: a replica added later is reachable there, one not started refuses calls.
    int replicas = cell.capacity();
    this.cut = new boolean[clients + 1][replicas + 1];
    this.endpoints = new Endpoint[replicas + 1];
    for (int id = 1; id <= replicas; id++) {
      String address = "r" + id + ":" + (PORT_BASE + id);
      addresses.put(id, address);
      replicaByAddress.put(address, id);
    }
  }

  /** The replicas' client endpoints, as a client is configured with them. */
  List<String> addresses() {
    return new ArrayList<>(addresses.values());
  }

  /** Channels of one client process; their calls deliver callbacks on the given executor. */
  ChannelFactory channels(ClientProcess process) {
    return (address, executor) -> new SimChannel(this, process, address, executor);
  }

  /** The replica listening at {@code address}, or -1 (no such host). */
  int replicaAt(String address) {
    return replicaByAddress.getOrDefault(address, -1);
  }

  // ---- faults ---------------------------------------------------------------------------------

  void cut(int client, int replica) {
    cut[client][replica] = true;
  }

  void healAll() {
    for (boolean[] row : cut) {
      java.util.Arrays.fill(row, false);
    }
  }

  /** No more loss or cuts (the liveness phase). */
  void calm() {
    faultsOn = false;
    healAll();
  }

  private boolean cutBetween(Wire w) {
    return cut[w.client][w.replica];
  }

  // ---- carrying a call's traffic ----------------------------------------------------------------

  /** Sends something from the client's half to the server's: delivered in order, or lost. */
  void toServer(Wire w, int kind, byte[] bytes, Runnable deliver) {
    carry(w, true, kind, bytes, deliver);
  }

  /** Sends something from the server's half to the client's. */
  void toClient(Wire w, int kind, byte[] bytes, Runnable deliver) {
    carry(w, false, kind, bytes, deliver);
  }

  private void carry(Wire w, boolean toServer, int kind, byte[] bytes, Runnable deliver) {
    if (w.broken) {
      return;
    }
    if (cutBetween(w)) {
      breakWire(w, false);
      return;
    }
    if (faultsOn && random.nextDouble() < lossRate) {
      breakWire(w, random.nextBoolean());
      return;
    }
    long at = Math.max(toServer ? w.toServerAt : w.toClientAt, events.nowMicros() + delayMicros());
    if (toServer) {
      w.toServerAt = at;
    } else {
      w.toClientAt = at;
    }
    events.at(
        at,
        () -> {
          if (w.broken) {
            return;
          }
          if (cutBetween(w)) {
            breakWire(w, false);
            return;
          }
          messages++;
          trace.add(
              events.nowMicros(),
              w.client,
              w.replica,
              toServer ? 1 : 2,
              kind,
              w.methodHash,
              bytes == null ? 0 : java.util.Arrays.hashCode(bytes));
          deliver.run();
        });
  }

  private long delayMicros() {
    long d = baseDelayMicros + (long) (random.nextDouble() * jitterMicros);
    if (faultsOn && random.nextDouble() < slowRate) {
      d += (long) (random.nextDouble() * slowDelayMicros);
    }
    return d;
  }

  /**
   * The call's connection lost a packet: nothing more crosses it. With a reset both ends hear of it
   * (after a network delay); without, each end finds out by itself (deadline, watchdog).
   */
  private void breakWire(Wire w, boolean reset) {
    w.broken = true;
    brokenCalls++;
    if (reset) {
      resetLater(w, "connection reset");
    }
  }

  private void resetLater(Wire w, String why) {
    Status status = Status.UNAVAILABLE.withDescription(why);
    events.after(
        delayMicros(),
        () -> {
          w.clientHalf.onReset(status);
          if (w.serverHalf != null) {
            w.serverHalf.onCancelled();
          }
        });
  }

  // ---- the replicas' ports ----------------------------------------------------------------------

  /** The client's first packet arrived at the replica: start the call there, or refuse it. */
  void arrive(Wire w, String fullMethodName, Metadata headers) {
    Endpoint e = endpoint(w.replica);
    if (e == null) {
      // No process listens: the host answers the connection attempt with a reset.
      toClient(
          w,
          Wire.RESET,
          null,
          () ->
              w.clientHalf.onReset(
                  Status.UNAVAILABLE.withDescription(
                      "connection refused: replica " + w.replica + " is down")));
      return;
    }
    ServerMethodDefinition<?, ?> method = e.methods.get(fullMethodName);
    w.serverHalf = SimServerCall.start(this, w, e, method, headers);
  }

  private Endpoint endpoint(int id) {
    if (id < 1 || id > cell.replicas.size()) {
      return null; // an id the cell has not used yet: no process there
    }
    SimReplica r = cell.replica(id);
    if (!r.isUp() || !(r.host() instanceof LockHost host) || host.server() == null) {
      return null;
    }
    Endpoint e = endpoints[id];
    if (e == null || e.host != host) {
      e = new Endpoint(r, host, addresses);
      endpoints[id] = e;
      r.onCrash = () -> crashed(id);
    }
    return e;
  }

  /** A replica process died: its connections reset; its half of every call is gone. */
  private void crashed(int id) {
    Endpoint e = endpoints[id];
    endpoints[id] = null;
    if (e == null) {
      return;
    }
    e.dead = true;
    for (SimServerCall<?, ?> call : List.copyOf(e.calls)) {
      Wire w = call.wire();
      if (!w.broken) {
        w.broken = true;
        if (!cutBetween(w)) {
          Status status =
              Status.UNAVAILABLE.withDescription("connection reset: replica " + id + " crashed");
          events.after(delayMicros(), () -> w.clientHalf.onReset(status));
        }
      }
    }
    e.calls.clear();
  }

  // ---- the wire format --------------------------------------------------------------------------

  static byte[] bytes(InputStream stream) {
    try (InputStream in = stream) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[][] headerBytes(Metadata metadata) {
    return metadata == null ? new byte[0][] : InternalMetadata.serialize(metadata);
  }

  static Metadata metadata(byte[][] wire) {
    return InternalMetadata.newMetadata(wire);
  }

  /** Code and description cross the wire; a cause does not. */
  static Status onTheWire(Status status) {
    return Status.fromCode(status.getCode()).withDescription(status.getDescription());
  }

  EventQueue events() {
    return events;
  }

  Trace trace() {
    return trace;
  }
}
