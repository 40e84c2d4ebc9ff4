package io.lockd.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Command;
import io.lockd.paxos.Message;
import io.lockd.paxos.PaxosConfig;
import io.lockd.paxos.StoreWrite;
import io.lockd.storage.RecoveredState;
import io.lockd.transport.PeerTransport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The loop's promise to consensus: a peer's message never waits behind client work queued before
 * it. Under a storm of sessions a single inbox made heartbeats and their acknowledgments wait for
 * seconds behind KeepAlives, and the leader's lease lapsed.
 */
class ReplicaLoopTest {

  @Test
  void peerWorkRunsBeforeClientWorkQueuedEarlier() throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    int clients = 200;
    CountDownLatch allDone = new CountDownLatch(clients + 1);
    try (ReplicaLoop loop = new ReplicaLoop("test-loop", Clock.system(), 5, 1024, l -> replica())) {
      assertTrue(
          loop.submit(
              r -> {
                busy.countDown();
                await(release);
              }));
      assertTrue(busy.await(10, TimeUnit.SECONDS));
      for (int i = 0; i < clients; i++) {
        String name = "client-" + i;
        assertTrue(
            loop.submit(
                r -> {
                  order.add(name);
                  allDone.countDown();
                }));
      }
      assertTrue(
          loop.submitPeer(
              r -> {
                order.add("peer");
                allDone.countDown();
              }));
      release.countDown();
      assertTrue(allDone.await(10, TimeUnit.SECONDS));
    }
    assertEquals("peer", order.get(0), "the peer's message ran after client work: " + order);
    assertEquals("client-0", order.get(1));
    assertEquals("client-" + (clients - 1), order.get(clients));
  }

  @Test
  void bothInboxesWakeAnIdleLoop() throws Exception {
    CountDownLatch ran = new CountDownLatch(2);
    try (ReplicaLoop loop = new ReplicaLoop("test-loop", Clock.system(), 5, 16, l -> replica())) {
      assertTrue(loop.submitPeer(r -> ran.countDown()));
      assertTrue(loop.submit(r -> ran.countDown()));
      assertTrue(ran.await(10, TimeUnit.SECONDS));
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Replica 1 of three whose peers never answer: it only campaigns, quietly. */
  private static Replica replica() {
    return new Replica(
        PaxosConfig.defaults(1, List.of(1, 2, 3)),
        RecoveredState.EMPTY,
        new NullStateMachine(),
        new SilentTransport(),
        new NullSink(),
        Clock.system(),
        new SplittableRandom(1),
        ReplicaOptions.defaults(),
        new ReplicaListener() {},
        SnapshotEncoder.INLINE);
  }

  private static final class NullStateMachine implements StateMachine {
    @Override
    public byte[] apply(long slot, Command command) {
      return new byte[0];
    }

    @Override
    public byte[] snapshot() {
      return new byte[0];
    }

    @Override
    public void restore(byte[] snapshot) {}
  }

  private static final class SilentTransport implements PeerTransport {
    @Override
    public void start(Consumer<Message> inbound, IntConsumer peerLost) {}

    @Override
    public void send(Message message) {}

    @Override
    public void close() {}
  }

  private static final class NullSink implements WriteSink {
    @Override
    public void submit(long token, List<StoreWrite> writes, List<Message> afterDurable) {}

    @Override
    public long durableToken() {
      return 0;
    }
  }
}
