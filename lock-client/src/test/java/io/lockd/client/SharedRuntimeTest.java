package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Clients of one cell share a runtime: its channels and threads, reference-counted. Closing one
 * client leaves the others working; the last close shuts the channels and stops the threads; a
 * client that opts out has its own.
 */
class SharedRuntimeTest extends RealCellTest {
  private static Set<String> threadsOf(ClientRuntime r) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(r.name() + "-"))
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }

  private static ManagedChannel leaderChannel(LockClient c) {
    return c.channelGroup().channel(c.async().context().rpc.router().leader());
  }

  @Test
  void clientsOfOneCellShareChannelsAndThreads() throws Exception {
    try (LockClient a = client();
        LockClient b = client()) {
      a.createFile("/a", bytes(""));
      b.createFile("/b", bytes(""));
      assertSame(a.runtime(), b.runtime());
      assertSame(a.channelGroup(), b.channelGroup());
      assertSame(leaderChannel(a), leaderChannel(b), "one channel to the leader for both");
      assertEquals(1, a.channelGroup().channels().size(), "only the leader was needed");
      assertSame(a.async().context().loop.eventLoop(), b.async().context().loop.eventLoop());
      assertEquals(
          Set.of(a.runtime().name() + "-loop"),
          threadsOf(a.runtime()).stream()
              .filter(n -> n.endsWith("-loop"))
              .collect(Collectors.toSet()));
      assertEquals(2, a.runtime().clients());
    }
  }

  @Test
  void closingOneClientLeavesTheOtherWorking() throws Exception {
    LockClient a = client();
    try (LockClient b = client()) {
      a.createFile("/a", bytes(""));
      b.createFile("/b", bytes(""));
      DistributedLock la = a.lock("/a");
      DistributedLock lb = b.lock("/b");
      assertTrue(la.tryAcquire());
      assertTrue(lb.tryAcquire());
      Session sb = b.session();
      ManagedChannel shared = leaderChannel(b);

      a.close();
      assertEquals(
          0, read(ns -> ns.getLockInfo("/a")).getLock().getHoldersCount(), "a's lock went with it");
      assertFalse(shared.isShutdown(), "b still uses the channel");
      assertEquals(SessionState.CONNECTED, sb.state());
      assertTrue(lb.isHeld());
      lb.release();
      assertTrue(lb.acquire(java.time.Duration.ofSeconds(5)));
      b.setContents("/b", bytes("still here"));
      assertEquals(sb.id(), b.session().id(), "the same session throughout");
      assertEquals(1, b.runtime().clients());
    }
  }

  @Test
  void theLastCloseShutsTheChannelsAndStopsTheThreads() throws Exception {
    LockClient a = client();
    LockClient b = client();
    a.createFile("/a", bytes(""));
    b.watch("/a", WatchKind.CONTENTS, e -> {}); // starts a callback thread, too
    a.setContents("/a", bytes("x"));
    ClientRuntime runtime = a.runtime();
    List<ManagedChannel> channels = a.channelGroup().channels();
    assertFalse(threadsOf(runtime).isEmpty());

    a.close();
    assertFalse(threadsOf(runtime).isEmpty(), "b still runs on them");
    assertTrue(channels.stream().noneMatch(ManagedChannel::isShutdown));
    b.close();
    Eventually.await(
        "channels terminated", () -> channels.stream().allMatch(ManagedChannel::isTerminated));
    Eventually.await(
        "the runtime's threads are gone: " + threadsOf(runtime),
        () -> threadsOf(runtime).isEmpty());

    try (LockClient c = client()) {
      assertNotSame(runtime, c.runtime(), "a new client starts a new runtime");
      c.stat("/a");
    }
  }

  @Test
  void aClientThatOptsOutHasItsOwnChannelsAndThreads() throws Exception {
    try (LockClient shared = client()) {
      LockClient own = client(b -> b.sharedRuntime(false));
      shared.createFile("/s", bytes(""));
      own.createFile("/o", bytes(""));
      assertNotSame(shared.runtime(), own.runtime());
      assertNotSame(leaderChannel(shared), leaderChannel(own));
      ClientRuntime ownRuntime = own.runtime();
      assertTrue(ownRuntime.name().matches("lockd-client-\\d+"), ownRuntime.name());
      assertTrue(
          threadsOf(ownRuntime).contains(ownRuntime.name() + "-loop"),
          threadsOf(ownRuntime).toString());

      own.close();
      Eventually.await("its threads are gone", () -> threadsOf(ownRuntime).isEmpty());
      shared.setContents("/s", bytes("unaffected"));
    }
  }

  @Test
  void moreClientsThanAChannelCarriesGetAnotherChannel() throws Exception {
    List<LockClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        LockClient c = client(b -> b.sessionsPerChannel(2));
        clients.add(c);
        c.session();
      }
      ClientRuntime runtime = clients.get(0).runtime();
      assertSame(runtime, clients.get(2).runtime(), "still one runtime");
      assertEquals(2, runtime.channels().groupCount());
      assertSame(clients.get(0).channelGroup(), clients.get(1).channelGroup());
      assertNotSame(clients.get(0).channelGroup(), clients.get(2).channelGroup());
      assertNotSame(leaderChannel(clients.get(0)), leaderChannel(clients.get(2)));

      clients.remove(2).close();
      assertEquals(1, runtime.channels().groupCount(), "the emptied set of channels was shut down");
      clients.get(1).createFile("/after", bytes(""));
    } finally {
      clients.forEach(LockClient::close);
    }
  }

  @Test
  void clientsArePinnedToTheLeastBusyLoopThread() throws Exception {
    try (LockClient a = client(b -> b.loopThreads(2));
        LockClient b = client(x -> x.loopThreads(2))) {
      assertSame(a.runtime(), b.runtime());
      assertNotSame(a.async().context().loop.eventLoop(), b.async().context().loop.eventLoop());
      a.createFile("/a", bytes(""));
      b.createFile("/b", bytes(""));
      assertSame(leaderChannel(a), leaderChannel(b), "the channel is shared across loops");
      assertTrue(a.lock("/a").tryAcquire());
      assertTrue(b.lock("/b").tryAcquire());
    }
  }

  @Test
  void eachClientsCallbacksKeepTheirOrderOnSharedThreads() throws Exception {
    try (LockClient writer = client();
        LockClient a = client();
        LockClient b = client()) {
      writer.createFile("/a", bytes("0"));
      writer.createFile("/b", bytes("0"));
      OrderedListener la = new OrderedListener(a.runtime());
      OrderedListener lb = new OrderedListener(b.runtime());
      a.watch("/a", WatchKind.CONTENTS, la);
      b.watch("/b", WatchKind.CONTENTS, lb);
      List<CompletableFuture<NodeStat>> writes = new ArrayList<>();
      for (int i = 1; i <= 40; i++) {
        writes.add(writer.async().setContents("/a", bytes(Integer.toString(i))));
        writes.add(writer.async().setContents("/b", bytes(Integer.toString(i))));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      Eventually.await(
          "40 events each", () -> la.generations.size() == 40 && lb.generations.size() == 40);
      for (OrderedListener l : List.of(la, lb)) {
        assertEquals(List.of(), l.problems);
        for (int i = 0; i < 40; i++) {
          assertEquals(i + 2L, l.generations.get(i), "log order: " + l.generations);
        }
      }
    }
  }

  @Test
  void aBlockingCallOnAnotherClientFromACallbackIsRefused() throws Exception {
    try (LockClient a = client();
        LockClient b = client()) {
      CompletableFuture<Throwable> thrown = new CompletableFuture<>();
      a.watch(
          "/",
          WatchKind.CHILDREN,
          e -> {
            try {
              b.stat("/"); // b's answer could need the very thread this runs on
              thrown.complete(null);
            } catch (Throwable t) {
              thrown.complete(t);
            }
          });
      b.createDirectory("/child");
      assertTrue(
          thrown.get(20, TimeUnit.SECONDS) instanceof IllegalStateException,
          String.valueOf(thrown.getNow(null)));
    }
  }

  /**
   * Records content generations and whether its calls ever overlapped or left the runtime's
   * threads.
   */
  private static final class OrderedListener implements WatchListener {
    final List<Long> generations = new CopyOnWriteArrayList<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    private final String threadPrefix;
    private boolean running;

    OrderedListener(ClientRuntime runtime) {
      this.threadPrefix = runtime.name() + "-events";
    }

    @Override
    public void onEvent(WatchEvent e) {
      synchronized (this) {
        if (running) {
          problems.add("two callbacks of one client at once");
        }
        running = true;
      }
      if (!Thread.currentThread().getName().startsWith(threadPrefix)) {
        problems.add("ran on " + Thread.currentThread().getName());
      }
      Thread.yield(); // give another callback of this client a chance to overlap, if it could
      generations.add(e.contentGeneration());
      synchronized (this) {
        running = false;
      }
    }
  }
}
