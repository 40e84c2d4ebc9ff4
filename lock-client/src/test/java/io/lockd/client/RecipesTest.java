package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** LeaderElection, Semaphore and ReadWriteLock against a real cell. */
class RecipesTest extends RealCellTest {
  /** Records what a candidate hears. */
  static final class Recorder implements LeaderElection.Listener {
    final List<String> heard = new CopyOnWriteArrayList<>();

    @Override
    public void onElected(Sequencer proof) {
      heard.add("elected " + proof.lockGeneration());
    }

    @Override
    public void onRevoked(LockLossReason reason) {
      heard.add("revoked " + reason);
    }
  }

  @Test
  void oneLeaderAtATimeAndObserversSeeEachInOrder() throws Exception {
    try (LockClient a = client(b -> b.clientName("a"));
        LockClient b = client(x -> x.clientName("b"));
        LockClient watcher = client()) {
      List<Optional<LeaderElection.Leader>> seen = new CopyOnWriteArrayList<>();
      Recorder ra = new Recorder();
      Recorder rb = new Recorder();
      LeaderElection ea = new LeaderElection(a, "/election/job", ra);
      LeaderElection eb = new LeaderElection(b, "/election/job", rb);
      Sequencer first = ea.campaign();
      assertTrue(ea.isLeader());
      try (AutoCloseable o = LeaderElection.observe(watcher, "/election/job", seen::add)) {
        Eventually.await("observer saw a", () -> seen.size() == 1);
        assertEquals("a", seen.get(0).orElseThrow().clientName());
        assertEquals(first, seen.get(0).orElseThrow().sequencer());

        CompletableFuture<Sequencer> bElected = eb.campaignAsync();
        Eventually.await(
            "b queued",
            () -> read(ns -> ns.getLockInfo("/election/job")).getLock().getWaitersCount() == 1);
        assertFalse(bElected.isDone());
        ea.resign();
        Sequencer second = bElected.get(20, TimeUnit.SECONDS);
        assertTrue(second.lockGeneration() > first.lockGeneration());
        assertTrue(eb.isLeader());
        assertFalse(ea.isLeader());
        Eventually.await("observer saw the vacancy and b", () -> seen.size() == 3);
        assertEquals(Optional.empty(), seen.get(1));
        assertEquals("b", seen.get(2).orElseThrow().clientName());
        assertEquals(b.session().id(), eb.currentLeader().orElseThrow().sessionId());
      }
      Eventually.await("a heard", () -> ra.heard.size() == 2);
      assertEquals(List.of("elected " + first.lockGeneration(), "revoked null"), ra.heard);
      eb.close();
      ea.close();
    }
  }

  @Test
  void leaderWhoseSessionEndsIsRevokedAndCampaignsAgain() throws Exception {
    try (LockClient a = client();
        LockClient b = client()) {
      // The server runs in real time: a short lock-delay keeps the wait for it short.
      a.create("/e", CreateOptions.file().lockDelay(Duration.ofMillis(500)));
      Recorder ra = new Recorder();
      Recorder rb = new Recorder();
      LeaderElection ea = new LeaderElection(a, "/e", ra);
      LeaderElection eb = new LeaderElection(b, "/e", rb);
      ea.campaign();
      CompletableFuture<Sequencer> bElected = eb.campaignAsync();
      Eventually.await(
          "b queued", () -> read(ns -> ns.getLockInfo("/e")).getLock().getWaitersCount() == 1);
      long old = a.session().id();
      b.admin().forceCloseSession(old); // as an operator would: the lock-delay applies
      Eventually.await("a revoked", () -> ra.heard.contains("revoked SESSION_EXPIRED"));
      Sequencer proof = bElected.get(20, TimeUnit.SECONDS);
      assertEquals(b.session().id(), proof.sessionId());
      Eventually.await(
          "a queued again with a new session",
          () ->
              read(ns -> ns.getLockInfo("/e")).getLock().getWaitersList().stream()
                  .anyMatch(w -> w.getSessionId() != old));
      eb.resign();
      Eventually.await("a leads again", ea::isLeader);
      ea.close();
      eb.close();
    }
  }

  @Test
  void semaphoreHandsOutAtMostItsPermits() throws Exception {
    List<LockClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        clients.add(client());
      }
      List<Semaphore.Permit> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Semaphore.Permit p = new Semaphore(clients.get(i), "/sem", 3).tryAcquire();
        assertNotNull(p);
        held.add(p);
      }
      Set<Integer> indexes = new HashSet<>();
      held.forEach(p -> indexes.add(p.index()));
      assertEquals(Set.of(0, 1, 2), indexes);
      Semaphore fourth = new Semaphore(clients.get(3), "/sem", 3);
      assertNull(fourth.tryAcquire());
      assertEquals(0, fourth.availablePermits());
      CompletableFuture<Semaphore.Permit> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fourth.acquire(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      Eventually.await(
          "someone queued",
          () -> {
            int waiters = 0;
            for (int i = 0; i < 3; i++) {
              int slot = i;
              waiters += read(ns -> ns.getLockInfo("/sem/" + slot)).getLock().getWaitersCount();
            }
            return waiters == 1;
          });
      Semaphore.Permit freed = held.get(1);
      freed.release();
      Semaphore.Permit got = waiting.get(20, TimeUnit.SECONDS);
      assertEquals(freed.index(), got.index());
      assertTrue(got.sequencer().lockGeneration() > 0);
      got.close();
    } finally {
      clients.forEach(LockClient::close);
    }
  }

  @Test
  void semaphoreTimesOutAndLeavesNoWaiterBehind() throws Exception {
    try (LockClient a = client();
        LockClient b = client()) {
      assertNotNull(new Semaphore(a, "/one", 1).tryAcquire());
      Semaphore s = new Semaphore(b, "/one", 1);
      CompletableFuture<Semaphore.Permit> f =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return s.acquire(Duration.ofMillis(300));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertNull(f.get(20, TimeUnit.SECONDS));
      Eventually.await(
          "the timed-out wait left the lock's queue",
          () -> read(ns -> ns.getLockInfo("/one/0")).getLock().getWaitersCount() == 0);
      assertThrows(IllegalArgumentException.class, () -> new Semaphore(a, "/x", 0));
    }
  }

  @Test
  void readWriteLock() throws Exception {
    try (LockClient a = client();
        LockClient b = client()) {
      a.createFile("/table", bytes(""));
      ReadWriteLock ra = new ReadWriteLock(a, "/table");
      ReadWriteLock rb = new ReadWriteLock(b, "/table");
      DistributedLock r1 = ra.readLock();
      DistributedLock r2 = rb.readLock();
      assertTrue(r1.tryAcquire());
      assertTrue(r2.tryAcquire());
      DistributedLock w = rb.writeLock();
      assertThrows(LockdException.class, w::tryAcquire, "b already holds the read side");
      r2.release();
      assertFalse(w.tryAcquire(), "a still reads");
      r1.release();
      assertTrue(w.tryAcquire());
      assertEquals(LockMode.EXCLUSIVE, w.sequencer().mode());
    }
  }
}
