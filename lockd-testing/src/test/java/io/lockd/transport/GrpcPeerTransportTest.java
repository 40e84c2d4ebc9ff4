package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.lockd.paxos.Message;
import io.lockd.paxos.Ready;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.proto.peer.v1.PeerEnvelope;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transport contract over real gRPC on 127.0.0.1, plus what only the gRPC transport does. */
class GrpcPeerTransportTest extends PeerTransportContract {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CELL = "test-cell";

  /** Short backoff so that restarts are noticed quickly; correctness does not depend on it. */
  private static final TransportLimits LIMITS =
      TransportLimits.defaults().withBackoffMillis(10, 200);

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private Set<Long> nonDaemonBefore;

  @Override
  protected Network create(int replicas) {
    return startNetwork(replicas, LIMITS);
  }

  @Override
  protected void awaitDelivered(BooleanSupplier condition) {
    Poll.until(condition, WAIT, "delivery");
  }

  @Override
  protected void assertNothingRunning(Network network) {
    for (GrpcPeerTransport t : ((GrpcNetwork) network).everyEndpoint()) {
      assertTrue(t.isTerminated(), "a transport's server, channel or thread is still running");
    }
    // Threads can still be unwinding for a moment after their pool reports termination.
    Poll.until(
        () -> transportThreads().isEmpty(), WAIT, "threads still alive: " + transportThreads());
    Poll.until(
        () -> newNonDaemonThreads().isEmpty(),
        WAIT,
        "non-daemon threads: " + newNonDaemonThreads());
  }

  @AfterEach
  void closeExtras() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  @Test
  void listensOnAnEphemeralPortAndReportsIt() {
    GrpcPeerTransport t = standalone("alpha", 1, Map.of(2, "127.0.0.1:1"), LIMITS);
    assertTrue(t.port() > 0, "port " + t.port());
  }

  @Test
  void aPeerFromAnotherCellIsRefusedWithAClearStatus() {
    Inbox alphaInbox = new Inbox();
    GrpcPeerTransport alpha = standalone("alpha", 1, Map.of(2, "127.0.0.1:1"), LIMITS, alphaInbox);
    GrpcPeerTransport beta =
        standalone("beta", 2, Map.of(1, "127.0.0.1:" + alpha.port()), LIMITS, new Inbox());

    Poll.until(
        () -> {
          beta.send(probe(2, 1));
          return beta.stats().get(1).lastFailure().contains("cell");
        },
        WAIT,
        "beta told why alpha refused it");
    PeerStats link = beta.stats().get(1);
    String failure = link.lastFailure();
    assertFalse(link.connected(), "a refused stream must not count as connected");
    assertTrue(failure.startsWith("FAILED_PRECONDITION"), failure);
    assertTrue(failure.contains("'beta'") && failure.contains("'alpha'"), failure);
    assertEquals(List.of(), alphaInbox.all());
    assertEquals(0, alpha.stats().get(2).received());
  }

  @Test
  void handshakeRefusalsSayWhatIsWrong() throws Exception {
    GrpcPeerTransport alpha = standalone("alpha", 1, Map.of(2, "127.0.0.1:1"), LIMITS);
    PeerEnvelope probe = PeerMessageCodec.encode(probe(2, 1));

    Status noHeaders = rawStream(alpha.port(), new Metadata(), probe);
    assertEquals(Status.Code.INVALID_ARGUMENT, noHeaders.getCode());
    assertTrue(noHeaders.getDescription().contains("lockd-cell"), noHeaders.toString());

    Status wrongReceiver =
        rawStream(alpha.port(), PeerHandshake.clientHeaders("alpha", 2, 3), probe);
    assertEquals(Status.Code.FAILED_PRECONDITION, wrongReceiver.getCode());
    assertTrue(wrongReceiver.getDescription().contains("address map"), wrongReceiver.toString());

    Status stranger = rawStream(alpha.port(), PeerHandshake.clientHeaders("alpha", 9, 1), probe);
    assertEquals(Status.Code.FAILED_PRECONDITION, stranger.getCode());
    assertTrue(stranger.getDescription().contains("is not a member"), stranger.toString());
    assertTrue(stranger.getDescription().contains("lockctl member add"), stranger.toString());
  }

  @Test
  void aMalformedEnvelopeIsDroppedAndTheStreamGoesOn() throws Exception {
    Inbox inbox = new Inbox();
    GrpcPeerTransport alpha = standalone("alpha", 1, Map.of(2, "127.0.0.1:1"), LIMITS, inbox);
    Metadata headers = PeerHandshake.clientHeaders("alpha", 2, 1);

    PeerEnvelope noBody = PeerEnvelope.newBuilder().setFrom(2).setTo(1).build();
    PeerEnvelope forged = PeerMessageCodec.encode(probe(3, 1));
    Message good = probe(2, 1);
    Status ended = rawStream(alpha.port(), headers, noBody, forged, PeerMessageCodec.encode(good));
    assertEquals(Status.Code.OK, ended.getCode(), ended.toString());
    Poll.until(() -> inbox.all().size() == 1, WAIT, "the well-formed envelope delivered");
    assertTrue(MessageEquality.same(good, inbox.all().get(0)), inbox.all().toString());
  }

  @Test
  void aSecondStreamClaimingAConnectedIdIsRefused() throws Exception {
    GrpcNetwork net = createGrpc(2, LIMITS);
    connect(net, 2, 1);
    int port = net.transport(1).port();
    Status impostor =
        rawStream(
            port, PeerHandshake.clientHeaders(CELL, 2, 1), PeerMessageCodec.encode(probe(2, 1)));
    assertEquals(Status.Code.ALREADY_EXISTS, impostor.getCode(), impostor.toString());
    assertTrue(impostor.getDescription().contains("already connected"), impostor.toString());
  }

  @Test
  void countersTrackSentReceivedAndDropped() {
    GrpcNetwork net = createGrpc(2, LIMITS);
    connect(net, 1, 2);
    for (int round = 0; round < 100; round++) {
      net.endpoint(1).send(new Message.Heartbeat(1, 2, 9, round, 0));
    }
    Poll.until(() -> net.inbox(2).all().size() >= 101, WAIT, "100 heartbeats delivered");
    PeerStats out = net.transport(1).stats().get(2);
    assertTrue(out.sent() >= 101 && out.connected(), out.toString());
    assertTrue(
        net.transport(2).stats().get(1).received() >= 101, net.transport(2).stats().toString());

    retransmitUntilDelivered(net, probe(1, 1));
    PeerStats self = net.transport(1).stats().get(1);
    assertTrue(self.sent() >= 1 && self.received() >= 1 && self.connected(), self.toString());

    net.stop(2);
    for (int round = 0; round < 10_000; round++) {
      net.endpoint(1).send(new Message.Heartbeat(1, 2, 9, round, 0));
    }
    Poll.until(
        () -> {
          PeerStats s = net.transport(1).stats().get(2);
          return s.dropped() > 0 && !s.connected() && !s.lastFailure().isEmpty();
        },
        WAIT,
        "drops counted and the link reported down: " + net.transport(1).stats());
  }

  @Test
  void anOversizedMessageIsDroppedAndTheStreamSurvives() {
    GrpcNetwork net = createGrpc(2, LIMITS.withMaxMessageBytes(64 << 10));
    connect(net, 1, 2);
    byte[] data = new RandomMessages(3).bytes(100 << 10);
    Message big = new Message.SnapshotChunk(1, 2, 1, 0, data, true);

    long droppedBefore = net.transport(1).stats().get(2).dropped();
    net.endpoint(1).send(big);

    assertEquals(droppedBefore + 1, net.transport(1).stats().get(2).dropped());
    retransmitUntilDelivered(net, probe(1, 2));
    assertFalse(net.inbox(2).contains(big));
  }

  @Test
  void aSlowReceiverFillsTheBoundedQueueAndLaterSendsAreDropped() throws Exception {
    // The receiver's consumer stalls (as a replica that broke the must-not-block rule would), so
    // HTTP/2 flow control stops the stream, the sender's queue fills, and sends start dropping.
    GatedReceiver pair = connectedToAGatedReceiver();
    GrpcPeerTransport sender = pair.sender();
    Inbox inbox = pair.inbox();
    CountDownLatch gate = pair.gate();
    long droppedBefore = sender.stats().get(2).dropped();
    int chunks = 2_000;
    RandomMessages random = new RandomMessages(11);
    for (int i = 0; i < chunks; i++) {
      sender.send(new Message.SnapshotChunk(1, 2, 1, i, random.bytes(16 << 10), false));
    }
    long dropped = sender.stats().get(2).dropped() - droppedBefore;
    assertTrue(dropped > 0, "nothing dropped: flow control or the queue bound is not working");

    gate.countDown();
    Poll.until(() -> chunksIn(inbox).size() == chunks - dropped, WAIT, "queued chunks delivered");
    List<Long> offsets = chunksIn(inbox);
    for (int i = 1; i < offsets.size(); i++) {
      assertTrue(offsets.get(i - 1) < offsets.get(i), "out of order or repeated: " + offsets);
    }
  }

  @Test
  void aSnapshotFarLargerThanTheSendQueueArrivesWholeOnceWhileOtherMessagesStillPass()
      throws Exception {
    // The receiver stalls at first, as a busy replica does, so the whole snapshot cannot leave at
    // once; meanwhile the replica asks for the same snapshot again and again (as a joining replica
    // does every retransmit interval until its first chunk arrives).
    GatedReceiver pair = connectedToAGatedReceiver();
    GrpcPeerTransport sender = pair.sender();
    Inbox inbox = pair.inbox();
    CountDownLatch gate = pair.gate();
    byte[] stored = new RandomMessages(5).bytes(16 << 20); // 16 times the queue's byte bound
    Ready.SnapshotTransfer transfer =
        new Ready.SnapshotTransfer(1, 2, 42, SnapshotBytes.of(stored), 64 << 10);
    for (int ask = 0; ask < 20; ask++) {
      sender.sendSnapshot(transfer);
    }
    Message heartbeat = new Message.Heartbeat(1, 2, 5, 7, 0);
    sender.send(heartbeat);
    gate.countDown();

    Poll.until(
        () -> chunksIn(inbox).size() >= transfer.chunkCount() && inbox.contains(heartbeat),
        WAIT,
        "snapshot and heartbeat delivered");
    List<Message> chunks = inbox.matching(m -> m instanceof Message.SnapshotChunk);
    assertEquals(transfer.chunkCount(), chunks.size(), "each chunk once: repeats were ignored");
    java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
    for (Message m : chunks) {
      Message.SnapshotChunk c = (Message.SnapshotChunk) m;
      assertEquals(whole.size(), c.offset(), "chunks in order, none missing");
      assertEquals(whole.size() + c.data().length == stored.length, c.last());
      whole.write(c.data());
    }
    assertTrue(java.util.Arrays.equals(stored, whole.toByteArray()), "the snapshot arrived intact");
    List<Message> all = inbox.matching(m -> true);
    assertTrue(
        all.indexOf(heartbeat) < all.indexOf(chunks.get(chunks.size() - 1)),
        "the heartbeat did not wait for the whole snapshot");
  }

  @Test
  void callerBugsAreRefusedAtOnce() {
    GrpcNetwork net = createGrpc(2, LIMITS);
    PeerTransport one = net.endpoint(1);
    assertThrows(IllegalArgumentException.class, () -> one.send(probe(2, 1)));
    // A member whose address is not known yet (membership changes) is no caller's bug: dropped.
    assertDoesNotThrow(() -> one.send(probe(1, 9)));
    assertThrows(MalformedMessageException.class, () -> one.send(new Message.Prepare(1, 2, -1, 1)));
  }

  /** A network for this class's own tests, closed after the test. */
  private GrpcNetwork createGrpc(int replicas, TransportLimits limits) {
    GrpcNetwork net = startNetwork(replicas, limits);
    closeAfter.add(net);
    return net;
  }

  private GrpcNetwork startNetwork(int replicas, TransportLimits limits) {
    if (nonDaemonBefore == null) {
      nonDaemonBefore = nonDaemonThreadIds();
    }
    return GrpcNetwork.start(CELL, replicas, limits);
  }

  private GrpcPeerTransport standalone(
      String cell, int id, Map<Integer, String> members, TransportLimits limits) {
    return standalone(cell, id, members, limits, new Inbox());
  }

  private GrpcPeerTransport standalone(
      String cell,
      int id,
      Map<Integer, String> members,
      TransportLimits limits,
      Consumer<Message> inbox) {
    GrpcPeerTransport t =
        new GrpcPeerTransport(cell, id, members, new InetSocketAddress("127.0.0.1", 0), limits);
    closeAfter.add(t);
    t.start(inbox);
    return t;
  }

  /**
   * A sender connected to a receiver whose consumer, from now on, blocks every message until {@code
   * gate} opens (as a replica that broke the must-not-block rule would, or a busy one): HTTP/2 flow
   * control then stops the stream. The sender's queue holds at most 64 messages or 1 MiB.
   */
  private GatedReceiver connectedToAGatedReceiver() {
    CountDownLatch gate = new CountDownLatch(1);
    AtomicBoolean stalled = new AtomicBoolean();
    Inbox inbox = new Inbox();
    Consumer<Message> slow =
        m -> {
          if (stalled.get()) {
            awaitQuietly(gate);
          }
          inbox.accept(m);
        };
    GrpcPeerTransport receiver = standalone(CELL, 2, Map.of(1, "127.0.0.1:1"), LIMITS, slow);
    GrpcPeerTransport sender =
        standalone(
            CELL,
            1,
            Map.of(2, "127.0.0.1:" + receiver.port()),
            LIMITS.withQueue(64, 1 << 20),
            new Inbox());
    Message probe = probe(1, 2);
    Poll.until(
        () -> {
          sender.send(probe);
          return inbox.contains(probe);
        },
        WAIT,
        "sender connected");
    stalled.set(true);
    return new GatedReceiver(sender, inbox, gate);
  }

  private record GatedReceiver(GrpcPeerTransport sender, Inbox inbox, CountDownLatch gate) {}

  private static List<Long> chunksIn(Inbox inbox) {
    List<Long> offsets = new ArrayList<>();
    for (Message m : inbox.matching(m -> m instanceof Message.SnapshotChunk)) {
      offsets.add(((Message.SnapshotChunk) m).offset());
    }
    return offsets;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Opens a stream with {@code headers}, sends {@code envs}, half-closes; returns how it ended. */
  private Status rawStream(int port, Metadata headers, PeerEnvelope... envs) throws Exception {
    try (ForgingPeer peer = new ForgingPeer("127.0.0.1:" + port, headers)) {
      return peer.send(envs);
    }
  }

  private static List<String> transportThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(TransportThreads.NAME_PREFIX))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  private List<String> newNonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon() && !nonDaemonBefore.contains(t.getId()))
        .map(Thread::getName)
        .collect(Collectors.toList());
  }

  private static Set<Long> nonDaemonThreadIds() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.isDaemon())
        .map(Thread::getId)
        .collect(Collectors.toSet());
  }
}
