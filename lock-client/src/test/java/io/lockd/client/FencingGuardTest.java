package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.lockd.testing.InJvmCell;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FencingGuardTest {
  private static Sequencer seq(String path, LockMode mode, long gen) {
    return new Sequencer(path, mode, gen, 1, 100 + gen);
  }

  @Test
  void refusesOlderExclusiveHolders() {
    FencingGuard g = new FencingGuard();
    g.admit(seq("/a", LockMode.EXCLUSIVE, 5));
    g.admit(seq("/a", LockMode.EXCLUSIVE, 5)); // the same grant again
    g.admit(seq("/a", LockMode.EXCLUSIVE, 9));
    LockdException e =
        assertThrows(LockdException.class, () -> g.admit(seq("/a", LockMode.EXCLUSIVE, 7)));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals(LockdException.Reason.SEQUENCER_INVALID, e.reason());
    assertEquals(9, g.newestGeneration("/a"));
    assertTrue(g.tryAdmit(seq("/b", LockMode.EXCLUSIVE, 1)), "paths are independent");
  }

  @Test
  void readModifyWriteGuardsTheReadSoALateOldWriteCannotBeLost() {
    FencingGuard g = new FencingGuard();
    long[] balance = {100};
    Sequencer old = seq("/acct", LockMode.EXCLUSIVE, 5);
    Sequencer newer = seq("/acct", LockMode.EXCLUSIVE, 6);
    assertEquals(100, g.admitAndGet(old, () -> balance[0])); // the old holder read, then paused
    long read = g.admitAndGet(newer, () -> balance[0]); // the new holder's read is fenced too
    // The old holder's late write is refused, so the new holder's read is still the truth.
    assertThrows(LockdException.class, () -> g.admitAndRun(old, () -> balance[0] = 0));
    assertEquals(100, balance[0], "a refused access does not run");
    g.admitAndRun(newer, () -> balance[0] = read + 10);
    assertEquals(110, balance[0]);
  }

  @Test
  void noAdmissionComesBetweenTheCheckAndTheAccess() throws Exception {
    FencingGuard g = new FencingGuard();
    Sequencer old = seq("/acct", LockMode.EXCLUSIVE, 5);
    Sequencer newer = seq("/acct", LockMode.EXCLUSIVE, 6);
    Thread[] other = new Thread[1];
    g.admitAndRun(
        old,
        () -> {
          other[0] = new Thread(() -> g.admit(newer), "newer holder");
          other[0].start();
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (other[0].getState() != Thread.State.BLOCKED) {
            assertTrue(
                other[0].isAlive(),
                "the newer holder was admitted in the middle of the old one's access");
            assertTrue(
                System.nanoTime() < end, "the newer holder's admission neither ran nor waited");
            Thread.onSpinWait();
          }
          assertEquals(5, g.newestGeneration("/acct"));
        });
    other[0].join(TimeUnit.SECONDS.toMillis(20));
    assertEquals(6, g.newestGeneration("/acct"));
  }

  @Test
  void sharedHoldersAreNotOrderedAmongThemselves() {
    FencingGuard g = new FencingGuard();
    g.admit(seq("/r", LockMode.SHARED, 7));
    g.admit(seq("/r", LockMode.SHARED, 6)); // granted together with 7
    g.admit(seq("/r", LockMode.EXCLUSIVE, 8));
    assertFalse(g.tryAdmit(seq("/r", LockMode.SHARED, 7)), "a reader from before the writer");
    assertFalse(g.tryAdmit(seq("/r", LockMode.EXCLUSIVE, 7)));
    assertTrue(g.tryAdmit(seq("/r", LockMode.SHARED, 10)));
  }

  @Test
  void exclusiveAfterNewerReaderIsRefused() {
    FencingGuard g = new FencingGuard();
    g.admit(seq("/r", LockMode.SHARED, 12));
    assertFalse(g.tryAdmit(seq("/r", LockMode.EXCLUSIVE, 11)));
  }

  @Test
  void boundedNumberOfPaths() {
    FencingGuard g = new FencingGuard(null, 2);
    g.admit(seq("/1", LockMode.EXCLUSIVE, 1));
    g.admit(seq("/2", LockMode.EXCLUSIVE, 1));
    LockdException e =
        assertThrows(LockdException.class, () -> g.admit(seq("/3", LockMode.EXCLUSIVE, 1)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
    g.admit(seq("/1", LockMode.EXCLUSIVE, 2)); // known paths still work
  }

  /** Against a naive model: admitted exclusive generations per path never decrease. */
  @Test
  void randomHistoriesNeverAdmitADecreasingExclusiveGeneration() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 200; round++) {
      FencingGuard g = new FencingGuard();
      long newestAdmittedAny = 0;
      for (int i = 0; i < 50; i++) {
        long gen = 1 + random.nextInt(40);
        boolean admitted = g.tryAdmit(seq("/p", LockMode.EXCLUSIVE, gen));
        assertEquals(gen >= newestAdmittedAny, admitted);
        if (admitted) {
          newestAdmittedAny = gen;
        }
      }
    }
  }

  @Test
  void withTheCellAReleasedLockIsRefusedEvenWithoutASuccessor() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().start();
        LockClient client = Clients.client(cell)) {
      client.createFile("/res", bytes(""));
      DistributedLock lock = client.lock("/res");
      assertTrue(lock.tryAcquire());
      Sequencer s = lock.sequencer();
      FencingGuard g = new FencingGuard(client);
      g.admit(s);
      lock.release();
      assertFalse(g.tryAdmit(s));
    }
  }
}
