package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.lockd.proto.v1.ErrorReason;
import java.util.SplittableRandom;
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
    LockdException e = assertThrows(LockdException.class, () -> g.admit(seq("/a", LockMode.EXCLUSIVE, 7)));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals(ErrorReason.ERROR_REASON_SEQUENCER_INVALID, e.reason());
    assertEquals(9, g.newestGeneration("/a"));
    assertTrue(g.tryAdmit(seq("/b", LockMode.EXCLUSIVE, 1)), "paths are independent");
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
    LockdException e = assertThrows(LockdException.class, () -> g.admit(seq("/3", LockMode.EXCLUSIVE, 1)));
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
    try (FakeCell cell = new FakeCell(3); LockClient client = Clients.client(cell)) {
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
