package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Status;
import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.LockdException;
import io.lockd.client.NodeStat;
import io.lockd.testing.InJvmCell;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when the cell loses its majority (three of five replicas stopped): every
 * blocking call of a lock ends within the operation timeout with DEADLINE_EXCEEDED instead of
 * hanging, a handle whose call was interrupted or timed out works again, and requests whose callers
 * gave up before they were sent are never applied. Against five real replicas in this JVM. "Ends
 * within" is checked loosely (three times the operation timeout): the point is that the call ends
 * at all.
 */
class BlockingBoundsTest {
  static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(3);
  static final Duration ENDS_WITHIN = OPERATION_TIMEOUT.multipliedBy(3);
  static final int[] MAJORITY = {1, 2, 3};

  @TempDir static Path dir;
  static InJvmCell cell;
  final List<Thread> started = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cell = InJvmCell.builder().size(5).dataRoot(dir).graceMillis(30_000).start();
    try (LockClient c = builder("first").build()) {
      awaitLeader(c);
    }
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  @AfterEach
  void majorityBack() throws Exception {
    for (Thread t : started) {
      t.interrupt();
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    for (int id : MAJORITY) {
      try {
        cell.start(id);
      } catch (IllegalStateException runsAlready) {
        // it does
      }
    }
    try (LockClient c = builder("after").build()) {
      awaitLeader(c);
    }
  }

  static LockClient.Builder builder(String name) {
    return LockClient.builder()
        .endpoints(cell.endpoints())
        .clientName(name)
        .operationTimeout(OPERATION_TIMEOUT)
        .attemptTimeout(Duration.ofSeconds(1))
        .gracePeriod(
            Duration.ofMinutes(5)); // the session outlives the outage: only the bounds end calls
  }

  static void stopMajority() {
    for (int id : MAJORITY) {
      cell.stop(id);
    }
  }

  static void startMajority(LockClient c) throws Exception {
    for (int id : MAJORITY) {
      cell.start(id);
    }
    awaitLeader(c);
  }

  static void awaitLeader(LockClient c) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      try {
        c.stat("/");
        return;
      } catch (LockdException notYet) {
        if (System.nanoTime() > end) {
          throw new AssertionError("no leader within 90 s after the majority came back", notYet);
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * Runs a blocking call on its own thread; it must end (with DEADLINE_EXCEEDED) within the bound.
   */
  <T> void endsWithDeadlineExceeded(String what, Callable<T> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.complete(call.call());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "blocking " + what);
    started.add(t);
    t.start();
    try {
      T value = result.get(ENDS_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      fail(what + " returned " + value + " without a leader; expected DEADLINE_EXCEEDED");
    } catch (TimeoutException e) {
      fail(
          what
              + " was still blocked after "
              + ENDS_WITHIN.toSeconds()
              + " s (operation timeout "
              + OPERATION_TIMEOUT.toSeconds()
              + " s)");
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof LockdException le)
          || le.code() != Status.Code.DEADLINE_EXCEEDED) {
        throw new AssertionError(
            what + " failed otherwise than with DEADLINE_EXCEEDED", e.getCause());
      }
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void lockCallsEndWithinTheOperationTimeoutWithoutAMajorityAndTheHandlesWorkAfterwards()
      throws Exception {
    try (LockClient c = builder("bounds").build()) {
      c.mkdirs("/bounds");
      c.createUnlessExists("/bounds/a", CreateOptions.file());
      c.createUnlessExists("/bounds/b", CreateOptions.file());
      DistributedLock held = c.lock("/bounds/a");
      DistributedLock other = c.lock("/bounds/b");
      assertTrue(held.acquire(Duration.ofSeconds(20)));

      stopMajority();
      endsWithDeadlineExceeded(
          "release()",
          () -> {
            held.release();
            return null;
          });
      assertFalse(held.isHeld(), "a release that timed out leaves the handle not holding");
      endsWithDeadlineExceeded(
          "acquire(60 s) on another lock", () -> other.acquire(Duration.ofMinutes(1)));
      endsWithDeadlineExceeded("tryAcquire()", other::tryAcquire);
      endsWithDeadlineExceeded(
          "acquire()",
          () -> {
            other.acquire();
            return null;
          });
      endsWithDeadlineExceeded(
          "acquire(60 s) while its release is in flight",
          () -> held.acquire(Duration.ofMinutes(1)));
      endsWithDeadlineExceeded("setContents", () -> c.setContents("/bounds/a", bytes("x")));

      startMajority(c);
      assertTrue(
          held.acquire(Duration.ofSeconds(30)),
          "the handle whose release timed out acquires again");
      assertTrue(held.isHeld());
      assertTrue(
          other.acquire(Duration.ofSeconds(30)),
          "the handle whose acquires timed out acquires again");
      held.release();
      other.release();
    }
  }

  @Test
  void handleWorksAgainAfterAnInterruptedAcquireOrRelease() throws Exception {
    try (LockClient holder = builder("holder").build();
        LockClient c = builder("waiter").operationTimeout(Duration.ofSeconds(60)).build()) {
      holder.mkdirs("/bounds");
      holder.createUnlessExists("/bounds/i", CreateOptions.file());
      DistributedLock first = holder.lock("/bounds/i");
      assertTrue(first.tryAcquire());
      DistributedLock lock = c.lock("/bounds/i");

      // An acquire waiting in the cell is interrupted while no leader can take its withdrawal.
      Thread waiter = blockedIn("acquire", () -> lock.acquire(Duration.ofMinutes(5)));
      awaitTrue("queued in the cell", () -> holder.lockInfo("/bounds/i").waiters().size() == 1);
      stopMajority();
      waiter.interrupt();
      waiter.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(waiter.isAlive());
      CompletableFuture<Boolean> again = lock.acquireAsync(Duration.ofMinutes(2));
      assertStillWaiting(again, "acquire after an interrupted acquire");
      startMajority(c);
      first.release();
      assertTrue(
          again.get(90, TimeUnit.SECONDS),
          "granted once the withdrawal was done and the lock free");
      assertTrue(lock.isHeld());

      // A release is interrupted while no leader can answer it.
      stopMajority();
      Thread releaser =
          blockedIn(
              "release",
              () -> {
                lock.release();
                return null;
              });
      releaser.interrupt();
      releaser.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(releaser.isAlive());
      CompletableFuture<Boolean> afterRelease = lock.acquireAsync(Duration.ofMinutes(2));
      assertStillWaiting(afterRelease, "acquire after an interrupted release");
      startMajority(c);
      assertTrue(afterRelease.get(90, TimeUnit.SECONDS), "granted once the release was done");
      assertTrue(lock.isHeld());
      lock.release();
    }
  }

  @Test
  void mutationsGivenUpBeforeTheyWereSentAreNeverApplied() throws Exception {
    try (LockClient c = builder("backlog").build()) {
      c.mkdirs("/bounds");
      c.createUnlessExists("/bounds/n", CreateOptions.file());
      long before = c.stat("/bounds/n").contentGeneration();

      stopMajority();
      List<CompletableFuture<NodeStat>> given = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        given.add(c.async().setContents("/bounds/n", bytes("dead-" + i)));
      }
      for (CompletableFuture<NodeStat> f : given) {
        try {
          f.get(ENDS_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
          fail("a write succeeded without a leader");
        } catch (ExecutionException e) {
          assertEquals(Status.Code.DEADLINE_EXCEEDED, ((LockdException) e.getCause()).code());
        }
      }

      startMajority(c);
      NodeStat live = c.setContents("/bounds/n", bytes("live"));
      // Only the first write had been sent (one mutation at a time per session) and may be applied.
      assertTrue(
          live.contentGeneration() <= before + 2,
          "writes given up before they were sent were applied later: generation "
              + before
              + " -> "
              + live.contentGeneration());
      assertEquals("live", c.getContents("/bounds/n").contentsAsString());
    }
  }

  /** Starts {@code call} on a thread and returns once that thread is blocked (waiting). */
  Thread blockedIn(String what, Callable<?> call) throws InterruptedException {
    Thread t =
        new Thread(
            () -> {
              try {
                call.call();
              } catch (Exception expected) {
                // interrupted, or the interrupt's LockdException
              }
            },
            what);
    started.add(t);
    t.start();
    awaitTrue(
        what + " blocked",
        () -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
    return t;
  }

  /** The call neither failed (e.g. "already being acquired") nor ended within a second. */
  static void assertStillWaiting(CompletableFuture<Boolean> f, String what) throws Exception {
    try {
      Boolean value = f.get(1, TimeUnit.SECONDS);
      fail(what + " returned " + value + " while no leader could answer");
    } catch (TimeoutException expected) {
      // waiting for the withdrawal or release in flight, as it should
    } catch (ExecutionException e) {
      throw new AssertionError(
          what + " failed instead of waiting for the call in flight", e.getCause());
    }
  }

  static void awaitTrue(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not true within 30 s: " + what);
      }
      Thread.sleep(10);
    }
  }
}
