package io.lockd.transport;

import static io.lockd.transport.MessageEquality.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link PeerTransport} must do, written once and run against each implementation: the
 * gRPC transport over loopback, and a simulated network that delivers only when the simulation
 * steps. Nothing here assumes real time or threads: waiting goes through {@link #awaitDelivered},
 * which a real network implements by polling against a deadline and a simulation by stepping until
 * the condition holds or a step limit is hit.
 *
 * <p>The networks {@link #create} returns must be healthy (no loss, duplication or reordering
 * injected) except where a test stops a replica itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard, not a speed requirement
public abstract class PeerTransportContract {
  /** {@code fromSlot} values from here on (for 2^32) mark the probes the tests retransmit. */
  private static final long PROBE_BASE = 1L << 60;

  private final AtomicLong probes = new AtomicLong(PROBE_BASE);
  private final List<Network> networks = new ArrayList<>();

  /** A cell of endpoints with ids 1..n, each started with its own {@link Inbox}. */
  public interface Network extends AutoCloseable {
    /** The endpoint currently running (or last run) as replica {@code id}. */
    PeerTransport endpoint(int id);

    /** What replica {@code id} has received; kept across restarts of that replica. */
    Inbox inbox(int id);

    /** Closes replica {@code id}'s endpoint; its peers keep sending to it. */
    void stop(int id);

    /** Starts a fresh endpoint as replica {@code id} at the same address, stopping it first. */
    void restart(int id);

    /** Closes every endpoint. */
    @Override
    void close();
  }

  /** A healthy network of {@code replicas} started endpoints. */
  protected abstract Network create(int replicas);

  /**
   * Returns once {@code condition} holds, or fails the test. The condition may have side effects
   * (the tests use it to retransmit, as Paxos would) and is evaluated many times, always on the
   * test's thread.
   */
  protected abstract void awaitDelivered(BooleanSupplier condition);

  /** Fails unless every endpoint of {@code network}, now closed, has stopped all its activity. */
  protected abstract void assertNothingRunning(Network network);

  @AfterEach
  final void closeNetworks() {
    networks.forEach(Network::close);
  }

  @Test
  void aPeerThatStopsIsReportedLostToThoseConnectedToIt() {
    Network net = network(3);
    connect(net, 1, 2);
    connect(net, 3, 2);
    // Replicas dial every peer at start, and a dial that failed before its peer was up is reported
    // whenever it fails (late on a loaded machine): wait until 1 and 3 reach each other, so that
    // every report from before is in, and only count reports from then on.
    connect(net, 1, 3);
    connect(net, 3, 1);
    int seenBy1 = net.inbox(1).lostPeers().size();
    int seenBy3 = net.inbox(3).lostPeers().size();
    net.stop(2);
    awaitDelivered(
        () ->
            lostSince(net.inbox(1), seenBy1).contains(2)
                && lostSince(net.inbox(3), seenBy3).contains(2));
    assertFalse(lostSince(net.inbox(1), seenBy1).contains(3), "a live peer was reported lost");
    assertFalse(lostSince(net.inbox(3), seenBy3).contains(1), "a live peer was reported lost");
  }

  private static List<Integer> lostSince(Inbox inbox, int seen) {
    List<Integer> all = inbox.lostPeers();
    return all.subList(seen, all.size());
  }

  @Test
  void everyKindOfMessageReachesItsAddresseeIntact() {
    Network net = network(3);
    connect(net, 1, 2);
    List<Message> sent = new RandomMessages(42).oneOfEachKind(1, 2);
    sent.forEach(net.endpoint(1)::send);

    awaitDelivered(() -> nonProbes(net.inbox(2)).size() >= sent.size());
    List<Message> received = nonProbes(net.inbox(2));
    assertEquals(sent.size(), received.size(), "messages received: " + received);
    for (int i = 0; i < sent.size(); i++) {
      Message expected = sent.get(i);
      Message actual = received.get(i);
      assertTrue(
          MessageEquality.same(expected, actual),
          () -> String.format("sent %s, got %s", describe(expected), describe(actual)));
    }
    assertEquals(List.of(), nonProbes(net.inbox(3)), "replica 3 got messages meant for 2");
  }

  @Test
  void messagesFromOneSenderArriveInOrderWithoutDuplicates() {
    Network net = network(2);
    connect(net, 1, 2);
    int count = 1_000;
    long ballot = 777;
    for (int round = 0; round < count; round++) {
      net.endpoint(1).send(new Message.Heartbeat(1, 2, ballot, round, round));
    }

    awaitDelivered(() -> heartbeats(net.inbox(2), ballot).size() >= count);
    List<Long> rounds = new ArrayList<>();
    for (Message m : heartbeats(net.inbox(2), ballot)) {
      rounds.add(((Message.Heartbeat) m).round());
    }
    List<Long> expected = new ArrayList<>();
    for (long round = 0; round < count; round++) {
      expected.add(round);
    }
    assertEquals(expected, rounds);
  }

  @Test
  void aMessageToSelfIsDelivered() {
    Network net = network(2);
    retransmitUntilDelivered(net, probe(1, 1));
  }

  @Test
  void sendingToAStoppedPeerNeitherBlocksNorThrowsAndFlowResumesAfterRestart() {
    Network net = network(3);
    connect(net, 1, 2);
    connect(net, 2, 1);
    net.stop(2);

    // Far more than any sane queue holds: sends must drop rather than block or fail.
    for (int round = 0; round < 20_000; round++) {
      net.endpoint(1).send(new Message.Heartbeat(1, 2, 5, round, 0));
    }
    // One dead peer must not hold up the others.
    retransmitUntilDelivered(net, probe(1, 3));

    net.restart(2);
    retransmitUntilDelivered(net, probe(1, 2));
    retransmitUntilDelivered(net, probe(2, 1));
    retransmitUntilDelivered(net, probe(2, 3));
  }

  @Test
  void aOneMebibyteSnapshotChunkGoesThrough() {
    Network net = network(2);
    connect(net, 1, 2);
    byte[] data = new RandomMessages(7).bytes(1 << 20);
    Message chunk = new Message.SnapshotChunk(1, 2, 123_456, 4L << 20, data, false);
    net.endpoint(1).send(chunk);

    awaitDelivered(() -> net.inbox(2).contains(chunk));
  }

  @Test
  void closeLeavesNothingRunning() {
    Network net = network(3);
    connect(net, 1, 2);
    connect(net, 2, 3);
    connect(net, 3, 1);
    net.close();

    // A replica shutting down may still send; that must not fail either.
    for (int id = 1; id <= 3; id++) {
      net.endpoint(id).send(probe(id, id % 3 + 1));
    }
    assertNothingRunning(net);
  }

  /** Creates a network that is closed after the test. */
  protected final Network network(int replicas) {
    Network net = create(replicas);
    networks.add(net);
    return net;
  }

  /**
   * Waits until {@code from} reaches {@code to}, resending a probe as Paxos resends its messages:
   * endpoints start in some order, so the first messages may find no one listening.
   */
  protected final void connect(Network net, int from, int to) {
    retransmitUntilDelivered(net, probe(from, to));
  }

  protected final void retransmitUntilDelivered(Network net, Message m) {
    awaitDelivered(
        () -> {
          if (net.inbox(m.to()).contains(m)) {
            return true;
          }
          net.endpoint(m.from()).send(m);
          return false;
        });
  }

  /** A message no test sends otherwise, unique within the test. */
  protected final Message probe(int from, int to) {
    return new Message.CatchUpRequest(from, to, probes.getAndIncrement());
  }

  private static List<Message> nonProbes(Inbox inbox) {
    return inbox.matching(
        m -> !(m instanceof Message.CatchUpRequest c && (c.fromSlot() - PROBE_BASE) >>> 32 == 0));
  }

  private static List<Message> heartbeats(Inbox inbox, long ballot) {
    return inbox.matching(m -> m instanceof Message.Heartbeat h && h.ballot() == ballot);
  }
}
