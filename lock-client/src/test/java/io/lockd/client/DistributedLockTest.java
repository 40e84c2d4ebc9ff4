package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.LockInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** DistributedLock against a real cell: grants, FIFO queues, timeouts, loss, conflicts. */
class DistributedLockTest extends RealCellTest {
  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private LockInfo info(String path) {
    return read(ns -> ns.getLockInfo(path)).getLock();
  }

  @Test
  void exclusiveLockGrantsAndReleases() {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/l", bytes(""));
      DistributedLock la = a.lock("/l");
      DistributedLock lb = b.lock("/l");
      assertTrue(la.tryAcquire());
      assertTrue(la.isHeld());
      assertFalse(lb.tryAcquire(), "held by a");
      Sequencer first = la.sequencer();
      assertTrue(a.checkSequencer(first));
      la.release();
      assertFalse(la.isHeld());
      assertFalse(a.checkSequencer(first), "released: its sequencer is stale");
      assertTrue(lb.tryAcquire());
      assertTrue(lb.sequencer().lockGeneration() > first.lockGeneration());
      lb.release();
    }
  }

  @Test
  void waitersAreGrantedInFifoOrder() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell);
        LockClient c = Clients.client(cell)) {
      a.createFile("/q", bytes(""));
      DistributedLock la = a.lock("/q");
      assertTrue(la.tryAcquire());
      CompletableFuture<Boolean> fb = b.lock("/q").acquireAsync(null);
      Eventually.await("b queued", () -> info("/q").getWaitersCount() == 1);
      DistributedLock lc = c.lock("/q");
      CompletableFuture<Boolean> fc = lc.acquireAsync(Duration.ofMinutes(1));
      Eventually.await("c queued", () -> info("/q").getWaitersCount() == 2);
      la.release();
      assertTrue(get(fb));
      assertFalse(fc.isDone());
      assertEquals(b.session().id(), info("/q").getHolders(0).getSessionId());
      b.session().close(); // releases b's lock; c is next
      assertTrue(get(fc));
      assertTrue(lc.isHeld());
    }
  }

  @Test
  void timedOutWaitReturnsFalseAndLeavesNothingBehind() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/t", bytes(""));
      List<Long> waiters = new CopyOnWriteArrayList<>();
      assertTrue(a.lock("/t", LockMode.EXCLUSIVE, conflictsInto(waiters)).tryAcquire());
      DistributedLock lb = b.lock("/t");
      CompletableFuture<Boolean> f = lb.acquireAsync(Duration.ofMillis(500));
      assertFalse(get(f), "the leader ended the wait at its deadline");
      // The holder heard of the waiter: b did queue (its wait ended on the leader's clock).
      Eventually.await("b queued", () -> waiters.contains(b.session().id()));
      assertEquals(0, info("/t").getWaitersCount());
      assertFalse(lb.isHeld());
    }
  }

  @Test
  void cancellingTheFutureWithdrawsTheWait() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/c", bytes(""));
      assertTrue(a.lock("/c").tryAcquire());
      CompletableFuture<Boolean> f = b.lock("/c").acquireAsync(Duration.ofMinutes(5));
      Eventually.await("b queued", () -> info("/c").getWaitersCount() == 1);
      f.cancel(false);
      Eventually.await("withdrawn", () -> info("/c").getWaitersCount() == 0);
    }
  }

  @Test
  void interruptedAcquireWithdrawsTheWait() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/i", bytes(""));
      assertTrue(a.lock("/i").tryAcquire());
      DistributedLock lb = b.lock("/i");
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  lb.acquire();
                } catch (Throwable e) {
                  thrown.set(e);
                }
              });
      t.start();
      Eventually.await("b queued", () -> info("/i").getWaitersCount() == 1);
      t.interrupt();
      t.join(20_000);
      assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
      Eventually.await("withdrawn", () -> info("/i").getWaitersCount() == 0);
    }
  }

  @Test
  void grantThatOvertakesTheAcquireAnswerIsNotLost() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/race", bytes(""));
      DistributedLock la = a.lock("/race");
      assertTrue(la.tryAcquire());
      b.session();
      faults.holdAnswers(1); // b's Acquire is queued in the cell, its answer held back
      CompletableFuture<Boolean> fb = b.lock("/race").acquireAsync(Duration.ofMinutes(1));
      Eventually.await("answer held", () -> faults.heldAnswers() == 1);
      la.release(); // b is granted; LOCK_GRANTED reaches b before its "queued" answer
      Eventually.await(
          "granted in the cell",
          () ->
              info("/race").getHoldersCount() == 1
                  && info("/race").getHolders(0).getSessionId() != 0);
      faults.releaseHeldAnswers();
      assertTrue(get(fb));
    }
  }

  @Test
  void lockOnAMissingNodeFails() {
    try (LockClient a = Clients.client(cell)) {
      LockdException e = assertThrows(LockdException.class, () -> a.lock("/nope").tryAcquire());
      assertEquals(LockdException.Reason.NODE_NOT_FOUND, e.reason());
    }
  }

  @Test
  void acquiringTwiceIsRefused() throws Exception {
    try (LockClient a = Clients.client(cell)) {
      a.createFile("/twice", bytes(""));
      DistributedLock l = a.lock("/twice");
      assertTrue(l.tryAcquire());
      assertThrows(IllegalStateException.class, l::tryAcquire);
      DistributedLock other = a.lock("/twice");
      LockdException e = assertThrows(LockdException.class, other::tryAcquire);
      assertEquals(LockdException.Reason.LOCK_ALREADY_HELD, e.reason());
      l.release();
      assertTrue(l.tryAcquire(), "acquirable again after release");
    }
  }

  @Test
  void deletedEphemeralNodeLosesTheLock() {
    try (LockClient owner = Clients.client(cell);
        LockClient holder = Clients.client(cell)) {
      owner.create("/eph", CreateOptions.file().ephemeral());
      List<LockLossReason> lost = new CopyOnWriteArrayList<>();
      DistributedLock l = holder.lock("/eph", LockMode.SHARED, (lock, reason) -> lost.add(reason));
      assertTrue(l.tryAcquire());
      owner.session().close();
      Eventually.await("lost", () -> lost.contains(LockLossReason.NODE_DELETED));
      assertFalse(l.isHeld());
    }
  }

  private static LockListener conflictsInto(List<Long> waiters) {
    return new LockListener() {
      @Override
      public void onLost(DistributedLock lock, LockLossReason reason) {}

      @Override
      public void onConflict(DistributedLock lock, long waitingSessionId) {
        waiters.add(waitingSessionId);
      }
    };
  }

  @Test
  void holderHearsOfConflicts() {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.createFile("/conflict", bytes(""));
      List<Long> waiters = new CopyOnWriteArrayList<>();
      DistributedLock la = a.lock("/conflict", LockMode.EXCLUSIVE, conflictsInto(waiters));
      assertTrue(la.tryAcquire());
      b.lock("/conflict").acquireAsync(Duration.ofMinutes(1));
      long bSession = b.session().id();
      Eventually.await("conflict", () -> waiters.contains(bSession));
    }
  }

  @Test
  void sharedHoldersCoexistAndExcludeAWriter() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell);
        LockClient w = Clients.client(cell)) {
      a.createFile("/rw", bytes(""));
      assertTrue(a.lock("/rw", LockMode.SHARED).tryAcquire());
      assertTrue(b.lock("/rw", LockMode.SHARED).tryAcquire());
      assertFalse(w.lock("/rw").tryAcquire());
      assertEquals(2, info("/rw").getHoldersCount());
    }
  }

  @Test
  void expiredHolderLeavesTheLockInLockDelay() throws Exception {
    try (LockClient a = Clients.client(cell);
        LockClient b = Clients.client(cell)) {
      a.create("/delay", CreateOptions.file().lockDelay(Duration.ofSeconds(5)));
      assertTrue(a.lock("/delay").tryAcquire());
      forceClose(a.session().id());
      DistributedLock lb = b.lock("/delay");
      assertFalse(lb.tryAcquire(), "lock-delay");
      assertEquals(0, info("/delay").getHoldersCount(), "free, but in its lock-delay");
      CompletableFuture<Boolean> f = lb.acquireAsync(Duration.ofSeconds(30));
      Eventually.await("queued", () -> info("/delay").getWaitersCount() == 1);
      assertTrue(get(f), "granted once the lock-delay ran out on the leader's clock");
    }
  }

  @Test
  void blockingCallFromACallbackIsRefused() throws Exception {
    try (LockClient a = Clients.client(cell)) {
      CompletableFuture<Throwable> thrown = new CompletableFuture<>();
      a.watch(
          "/",
          WatchKind.CHILDREN,
          e -> {
            try {
              a.stat("/");
              thrown.complete(null);
            } catch (Throwable t) {
              thrown.complete(t);
            }
          });
      a.createDirectory("/child");
      assertTrue(get(thrown) instanceof IllegalStateException, String.valueOf(thrown.getNow(null)));
    }
  }
}
