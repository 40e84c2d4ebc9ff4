package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A caller that cancels its acquire after the cell granted it, but before the answer reached the
 * caller, must not leave the lock held by nobody's knowledge: the grant is given back. The race is
 * made certain by keeping the client's callback thread busy, so that the answer waits behind it.
 */
class CancelRacingGrantTest extends RealCellTest {
  @Test
  void aGrantWhoseAcquireWasCancelledBeforeItsAnswerArrivedIsGivenBack() throws Exception {
    try (LockClient holder = client();
        LockClient waiter = client(b -> b.sharedRuntime(false))) {
      holder.createFile("/r", bytes(""));
      holder.createFile("/busy", bytes("0"));
      DistributedLock held = holder.lock("/r");
      assertTrue(held.tryAcquire());

      CountDownLatch callbackEntered = new CountDownLatch(1);
      CountDownLatch callbackMayEnd = new CountDownLatch(1);
      waiter.watch(
          "/busy",
          WatchKind.CONTENTS,
          e -> {
            callbackEntered.countDown();
            awaitLatch(callbackMayEnd);
          });
      DistributedLock lock = waiter.lock("/r");
      CompletableFuture<Boolean> acquire = lock.acquireAsync(Duration.ofSeconds(30));
      Eventually.await(
          "the acquire queued in the cell",
          () -> read(ns -> ns.getLockInfo("/r")).getLock().getWaitersCount() == 1);

      holder.setContents("/busy", bytes("1"));
      assertTrue(callbackEntered.await(20, TimeUnit.SECONDS), "the watch callback ran");
      held.release(); // the cell grants the waiter; the answer queues behind the busy callback
      Eventually.await("the waiter's client learned of the grant", lock::isHeld);
      afterTheLoopsQueuedTasks(waiter);
      assertFalse(acquire.isDone(), "the answer waits behind the busy callback");
      assertTrue(acquire.cancel(false));
      callbackMayEnd.countDown();

      Eventually.await(
          "the grant was given back",
          () -> read(ns -> ns.getLockInfo("/r")).getLock().getHoldersCount() == 0);
      assertFalse(lock.isHeld());
      assertTrue(held.tryAcquire(), "the lock is free for others");
    }
  }

  /** Returns once the tasks queued on {@code c}'s loop before now have run. */
  private static void afterTheLoopsQueuedTasks(LockClient c) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    c.async().context().loop.execute(() -> reached.complete(null));
    reached.get(20, TimeUnit.SECONDS);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never let the callback end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
