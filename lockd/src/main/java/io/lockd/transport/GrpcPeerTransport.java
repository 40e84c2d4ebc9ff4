package io.lockd.transport;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.lockd.paxos.Message;
import io.lockd.paxos.Ready;
import io.lockd.proto.peer.v1.PeerEnvelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerTransport} over gRPC: a server that receives every peer's stream, and one outbound
 * stream per peer (see {@link PeerLink}). Messages to this replica itself never touch the network.
 *
 * <p>Lifecycle: the constructor only checks its arguments; {@link #start} binds the listen address
 * and dials every peer; {@link #close} stops everything within {@link
 * TransportLimits#closeTimeoutMillis()} and leaves no thread of its own behind. A closed transport
 * is not restarted: make a new one on the same address.
 *
 * <p>Inbound messages reach the consumer on the transport's I/O thread, one at a time, except
 * messages to self, which reach it on the sender's thread before {@link #send} returns. Sends write
 * onto the peer's stream from the calling thread when it can take them (see {@link PeerLink#send}),
 * so {@link #send} may be called from several threads.
 */
public final class GrpcPeerTransport implements PeerTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcPeerTransport.class);

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final String cell;
  private final String cellSettings;
  private final int selfId;
  private final SortedMap<Integer, String> peerAddresses;
  private final InetSocketAddress listenAddress;
  private final TransportLimits limits;
  private final TlsCredentials tls; // null: plaintext
  // Concurrent: a membership change adds peers while other threads send, count and report.
  private final SortedMap<Integer, PeerCounters> counters =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  private final SortedMap<Integer, PeerLink> links =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

  /** Ids removed from the cell: never linked or heard again (docs/consensus.md). */
  private final java.util.Set<Integer> retired = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private volatile InboundPeers connected;

  // Written once by start(), before state turns RUNNING; read only after checking that state.
  private volatile Consumer<Message> inbound;
  private volatile IntConsumer peerLost;
  private volatile TransportThreads threads;
  private volatile Server server;

  /**
   * @param cell the cell's name; streams from replicas of any other cell are refused
   * @param selfId this replica's id
   * @param members every replica of the cell by id, as {@code host:port}; this replica's own entry,
   *     if present, is ignored (it is reached locally)
   * @param listenAddress where to accept peer streams; port 0 picks a free port, see {@link #port}
   * @param limits queue, message size, backoff and shutdown bounds
   */
  public GrpcPeerTransport(
      String cell,
      int selfId,
      Map<Integer, String> members,
      InetSocketAddress listenAddress,
      TransportLimits limits) {
    this(cell, "", selfId, members, listenAddress, limits);
  }

  /**
   * The same, for a replica with settings every member must share (its lease, clock drift bound and
   * namespace limits).
   *
   * @param cellSettings those settings as {@code key=value,...}: announced to every peer, and a
   *     peer that announces others is refused (both ways, so such a replica stays out of the cell);
   *     "" announces and compares nothing
   */
  public GrpcPeerTransport(
      String cell,
      String cellSettings,
      int selfId,
      Map<Integer, String> members,
      InetSocketAddress listenAddress,
      TransportLimits limits) {
    this(cell, cellSettings, selfId, members, listenAddress, limits, null);
  }

  /**
   * The same over mutual TLS, unless {@code tls} is null: the peer port requires a certificate from
   * the cell's CA that names the replica the handshake claims, and each outbound stream presents
   * this replica's certificate and requires the peer's to name the peer it dials.
   */
  public GrpcPeerTransport(
      String cell,
      String cellSettings,
      int selfId,
      Map<Integer, String> members,
      InetSocketAddress listenAddress,
      TransportLimits limits,
      TlsCredentials tls) {
    this.tls = tls;
    this.cell = PeerHandshake.checkCellName(cell);
    this.cellSettings = Objects.requireNonNull(cellSettings, "cellSettings");
    this.selfId = checkId(selfId);
    this.listenAddress = Objects.requireNonNull(listenAddress, "listenAddress");
    this.limits = Objects.requireNonNull(limits, "limits");
    SortedMap<Integer, String> peers = new TreeMap<>();
    for (Map.Entry<Integer, String> member : members.entrySet()) {
      if (member.getKey() != selfId) {
        peers.put(checkId(member.getKey()), checkAddress(member.getKey(), member.getValue()));
      }
    }
    this.peerAddresses = peers;
    counters.put(selfId, new PeerCounters());
    peers.keySet().forEach(id -> counters.put(id, new PeerCounters()));
  }

  /**
   * Returns {@code cell} if it can name a cell (1-64 characters of {@code [A-Za-z0-9._-]}, as it
   * travels in a header); else throws IllegalArgumentException saying so.
   */
  public static String checkCellName(String cell) {
    return PeerHandshake.checkCellName(cell);
  }

  // Synchronized with close(), so that a close racing a start cannot miss what start creates.
  @Override
  public synchronized void start(Consumer<Message> inbound, IntConsumer peerLost) {
    Objects.requireNonNull(inbound, "inbound");
    Objects.requireNonNull(peerLost, "peerLost");
    if (state.get() != State.NEW) {
      throw new IllegalStateException(
          "transport of replica " + selfId + " was already started or closed");
    }
    this.inbound = inbound;
    this.peerLost = peerLost;
    threads = new TransportThreads(selfId);
    peerAddresses.forEach((id, address) -> links.put(id, newLink(id, address)));
    try {
      server = newServer().start();
    } catch (IOException e) {
      state.set(State.CLOSED);
      stopAll(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.closeTimeoutMillis()));
      throw new UncheckedIOException(
          "replica " + selfId + " cannot listen for peers on " + listenAddress, e);
    }
    state.set(State.RUNNING);
    links.values().forEach(PeerLink::open);
    log.info("replica {} of cell '{}' listening for peers on port {}", selfId, cell, port());
  }

  /**
   * Streams a snapshot to its addressee beside the caller, a chunk whenever the peer's stream can
   * take one and no other message waits (see {@link SnapshotPump}); returns at once. A transfer of
   * the snapshot already on its way to that peer is ignored.
   */
  @Override
  public void sendSnapshot(Ready.SnapshotTransfer transfer) {
    if (transfer.from() != selfId || transfer.to() == selfId) {
      throw new IllegalArgumentException(
          "replica "
              + selfId
              + " cannot send a snapshot from "
              + transfer.from()
              + " to "
              + transfer.to());
    }
    PeerCounters peer = counters.get(transfer.to());
    if (peer == null) {
      return; // a member whose address this replica has not learned yet (membersChanged)
    }
    PeerLink link = links.get(transfer.to());
    if (state.get() != State.RUNNING || link == null) {
      peer.dropped(1);
      return;
    }
    link.sendSnapshot(transfer);
  }

  /**
   * Queues {@code message} for its addressee and returns at once. Drops it (and counts the drop) if
   * the peer's queue is full, the message exceeds {@link TransportLimits#maxMessageBytes()}, or the
   * transport is not running; drops it uncounted if the addressee is a member whose address is not
   * known yet ({@link #membersChanged}). Throws only for a caller's bug: a message that is not from
   * this replica, or is malformed.
   */
  @Override
  public void send(Message message) {
    if (message.from() != selfId) {
      throw new IllegalArgumentException(
          "replica " + selfId + " cannot send a message from replica " + message.from());
    }
    PeerCounters peer = counters.get(message.to());
    if (peer == null) {
      return; // a member whose address this replica has not learned yet (membersChanged)
    }
    if (state.get() != State.RUNNING) {
      peer.dropped(1);
      return;
    }
    if (message.to() == selfId) {
      MessageChecks.check(message);
      peer.sent(0);
      deliver(message, 0);
      return;
    }
    PeerEnvelope env = PeerMessageCodec.encode(message);
    if (env.getSerializedSize() > limits.maxMessageBytes()) {
      // The receiver would refuse it and end the stream; better to lose this one message alone.
      log.warn(
          "replica {}: dropped a {} of {} bytes to peer {}: above the {} byte limit",
          selfId,
          message.getClass().getSimpleName(),
          env.getSerializedSize(),
          message.to(),
          limits.maxMessageBytes());
      peer.dropped(1);
      return;
    }
    PeerLink link = links.get(message.to());
    if (link != null) { // null: unlinked since the check above (no member any more)
      link.send(env);
    }
  }

  /**
   * Links to every member of {@code members} this transport has no link to yet and whose peer
   * address the configuration carries, and unlinks every peer that is no member any more: its
   * outbound link closes, its inbound stream ends, and the handshake refuses it from then on (an id
   * in {@code members.retired()} for good, docs/transport.md "Membership changes").
   */
  @Override
  public synchronized void membersChanged(io.lockd.paxos.Membership members) {
    retired.addAll(members.retired());
    for (int id : List.copyOf(counters.keySet())) {
      if (id != selfId && !members.contains(id)) {
        unlink(id, members.wasRemoved(id) ? "was removed from cell" : "is no member of cell");
      }
    }
    for (io.lockd.paxos.Membership.Member m : members.list()) {
      if (m.id() == selfId
          || counters.containsKey(m.id())
          || m.peerAddress().isEmpty()
          || retired.contains(m.id())) {
        continue;
      }
      String address;
      try {
        address = checkAddress(m.id(), m.peerAddress());
      } catch (IllegalArgumentException e) {
        log.warn("replica {}: cannot link to member {}: {}", selfId, m.id(), e.getMessage());
        continue;
      }
      peerAddresses.put(m.id(), address);
      counters.put(m.id(), new PeerCounters());
      if (state.get() == State.RUNNING) {
        PeerLink link = newLink(m.id(), address);
        links.put(m.id(), link);
        link.open();
      }
      log.info("replica {}: linked to new member {} at {}", selfId, m.id(), address);
    }
  }

  private void unlink(int id, String why) {
    peerAddresses.remove(id);
    counters.remove(id);
    PeerLink link = links.remove(id);
    if (link != null) {
      link.close();
      link.channel().shutdown();
    }
    InboundPeers inbound = connected;
    if (inbound != null) {
      inbound.evict(
          id,
          io.grpc.Status.FAILED_PRECONDITION.withDescription(
              "replica " + id + " " + why + " '" + cell + "'"));
    }
    log.info("replica {}: unlinked replica {}: it {} '{}'", selfId, id, why, cell);
  }

  /** The port peer streams are accepted on; the chosen one if the listen port was 0. */
  public int port() {
    if (server == null) {
      throw new IllegalStateException("transport of replica " + selfId + " is not started");
    }
    return server.getPort();
  }

  /** Counters and link state per replica id, this replica included, in id order. */
  public SortedMap<Integer, PeerStats> stats() {
    SortedMap<Integer, PeerStats> stats = new TreeMap<>();
    boolean running = state.get() == State.RUNNING;
    boolean linked = state.get() != State.NEW; // links are filled in before the state leaves NEW
    counters.forEach(
        (id, c) -> {
          PeerLink link = linked ? links.get(id) : null;
          stats.put(
              id,
              link == null
                  ? c.snapshot(id == selfId && running, "")
                  : c.snapshot(link.connected(), link.lastFailure()));
        });
    return stats;
  }

  /** True once {@link #close} has stopped the server, every channel and every thread. */
  public boolean isTerminated() {
    if (state.get() != State.CLOSED) {
      return false;
    }
    boolean terminated = threads == null || threads.isTerminated();
    terminated &= server == null || server.isTerminated();
    for (PeerLink link : links.values()) {
      terminated &= link.channel().isTerminated();
    }
    return terminated;
  }

  /**
   * Half-closes every outbound stream, cancels every inbound one and stops all threads, waiting at
   * most {@link TransportLimits#closeTimeoutMillis()}. Idempotent. Not to be called from the
   * inbound consumer: it waits for the thread that runs the consumer to end.
   */
  @Override
  public synchronized void close() {
    if (state.getAndSet(State.CLOSED) != State.RUNNING) {
      return;
    }
    boolean clean =
        stopAll(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.closeTimeoutMillis()));
    if (clean) {
      log.info("replica {}: peer transport closed", selfId);
    } else {
      log.warn(
          "replica {}: peer transport did not stop within {} ms",
          selfId,
          limits.closeTimeoutMillis());
    }
  }

  private void deliver(Message message, int bytes) {
    if (state.get() != State.RUNNING) {
      return;
    }
    counters.get(message.from()).received(bytes);
    try {
      inbound.accept(message);
    } catch (RuntimeException e) {
      // A consumer bug must not end the peer's stream and with it every later message.
      log.error(
          "replica {}: inbound consumer failed on a message from {}", selfId, message.from(), e);
    }
  }

  private void lost(int peerId) {
    if (state.get() == State.RUNNING) {
      peerLost.accept(peerId);
    }
  }

  private PeerLink newLink(int peerId, String address) {
    NettyChannelBuilder builder =
        tls == null
            ? NettyChannelBuilder.forTarget(address).usePlaintext()
            : NettyChannelBuilder.forTarget(address, tls.toReplica(peerId));
    ManagedChannel channel =
        builder
            .channelType(TransportThreads.socketChannelType())
            .eventLoopGroup(threads.io())
            .executor(threads.outbound())
            .offloadExecutor(threads.offload())
            // Retries would buffer every message of a long-lived stream until it ends.
            .disableRetry()
            .keepAliveTime(limits.keepAliveMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(limits.keepAliveTimeoutMillis(), TimeUnit.MILLISECONDS)
            .build();
    return new PeerLink(
        PeerHandshake.clientHeaders(cell, cellSettings, selfId, peerId),
        selfId,
        peerId,
        address,
        channel,
        threads.outbound(),
        limits,
        counters.get(peerId),
        () -> lost(peerId));
  }

  private Server newServer() {
    InboundPeers connected = new InboundPeers(selfId, TransportLimits.PEER_SILENCE_MILLIS);
    this.connected = connected;
    PeerHandshake handshake =
        new PeerHandshake(
            cell, cellSettings, selfId, counters.keySet(), retired, connected, tls != null);
    NettyServerBuilder builder =
        tls == null
            ? NettyServerBuilder.forAddress(listenAddress)
            : NettyServerBuilder.forAddress(listenAddress, tls.peerPort());
    return builder
        .channelType(TransportThreads.serverChannelType())
        .bossEventLoopGroup(threads.io())
        .workerEventLoopGroup(threads.io())
        // Decoding an envelope and queueing it for the replica's loop never blocks, so it runs on
        // the I/O thread: one thread hand-off less for every message received.
        .directExecutor()
        .maxInboundMessageSize(limits.maxMessageBytes())
        .keepAliveTime(limits.keepAliveMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(limits.keepAliveTimeoutMillis(), TimeUnit.MILLISECONDS)
        // Peers ping at keepAliveMillis; allow some slack so the server never sees them as abusive.
        .permitKeepAliveTime(Math.max(1, limits.keepAliveMillis() / 2), TimeUnit.MILLISECONDS)
        .addService(
            ServerInterceptors.intercept(
                new InboundStreamService(selfId, this::deliver, this::lost, connected), handshake))
        .build();
  }

  /** Stops links, server and threads by {@code deadlineNanos}; returns whether all stopped. */
  private boolean stopAll(long deadlineNanos) {
    long graceDeadline = System.nanoTime() + TransportThreads.remainingNanos(deadlineNanos) / 2;
    links.values().forEach(PeerLink::close);
    if (server != null) {
      // Peers never end their streams on their own, so a graceful shutdown would wait for nothing.
      server.shutdownNow();
    }
    try {
      for (PeerLink link : links.values()) {
        ManagedChannel channel = link.channel();
        if (!channel.awaitTermination(
            TransportThreads.remainingNanos(graceDeadline), TimeUnit.NANOSECONDS)) {
          channel.shutdownNow();
        }
      }
      for (PeerLink link : links.values()) {
        link.channel()
            .awaitTermination(TransportThreads.remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
      }
      if (server != null) {
        server.awaitTermination(
            TransportThreads.remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
      }
      return threads.shutdown(deadlineNanos) && isTerminated();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      links.values().forEach(link -> link.channel().shutdownNow());
      threads.abandon();
      return false;
    }
  }

  private static int checkId(int id) {
    if (id < 0 || id > MessageChecks.REPLICA_ID_MAX) {
      throw new IllegalArgumentException(
          "replica id must be in [0, " + MessageChecks.REPLICA_ID_MAX + "], was " + id);
    }
    return id;
  }

  private static String checkAddress(int id, String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    boolean ok = colon > 0 && colon < address.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        ok = port > 0 && port <= 0xFFFF;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "address of replica " + id + " must be host:port, was '" + address + "'");
    }
    return address;
  }
}
