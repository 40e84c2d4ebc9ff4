package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A mutation whose answer is lost after the cell applied it is retried with the same (session,
 * sequence) and gets the remembered answer: applied once, answered once.
 */
class ExactlyOnceTest extends FakeCellTest {
  @Test
  void lostAnswerIsRetriedAndAppliedOnce() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/counter", bytes("0"));
      cell.loseAnswersAfterApply(1);
      NodeStat st = client.setContents("/counter", bytes("1"));
      assertEquals(2, st.contentGeneration(), "the remembered answer, not a second write");
      assertEquals(1, cell.executed("SET_CONTENTS"));
      assertEquals(2, client.stat("/counter").contentGeneration());
    }
  }

  @Test
  void lostCreateAnswerDoesNotTurnIntoAlreadyExists() {
    try (LockClient client = Clients.client(cell)) {
      cell.loseAnswersAfterApply(2);
      NodeStat st = client.createFile("/once", bytes("x"));
      assertEquals("/once", st.path());
      assertEquals(1, cell.executed("CREATE_NODE"));
    }
  }

  @Test
  void retryAfterFailoverGetsTheRememberedAnswer() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/lock", bytes(""));
      cell.loseAnswersAfterApply(1);
      // The answer is lost and the leader moves: the retry reaches the new leader, which answers
      // from the replicated exactly-once record.
      Thread mover = new Thread(() -> cell.setLeader(2));
      mover.start();
      try (DistributedLock lock = client.lock("/lock")) {
        assertTrue(lock.tryAcquire());
        LockDetails info = client.lockInfo("/lock");
        assertEquals(1, info.holders().size());
        assertEquals(lock.sequencer().lockGeneration(), info.generation());
        assertEquals(1, cell.executed("ACQUIRE"));
      }
      try {
        mover.join(Duration.ofSeconds(10).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void sequenceNumbersGrowAcrossManyMutations() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/n", bytes(""));
      for (int i = 0; i < 20; i++) {
        if (i % 3 == 0) {
          cell.loseAnswersAfterApply(1);
        }
        client.setContents("/n", bytes(Integer.toString(i)));
      }
      assertEquals(21, client.stat("/n").contentGeneration());
      assertEquals(20, cell.executed("SET_CONTENTS"));
    }
  }
}
