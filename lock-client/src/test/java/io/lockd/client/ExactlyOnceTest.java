package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.NodeGrpc;
import org.junit.jupiter.api.Test;

/**
 * A mutation whose answer is lost after the cell applied it is retried with the same (session,
 * sequence) and gets the remembered answer: applied once, answered once. The answers are lost at
 * the real replicas' client ports; the request counts show that the retry did reach the cell.
 */
class ExactlyOnceTest extends RealCellTest {
  @Test
  void lostAnswerIsRetriedAndAppliedOnce() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/counter", bytes("0"));
      int leader = leaderId();
      faults.loseAnswers(1);
      NodeStat st = client.setContents("/counter", bytes("1"));
      assertEquals(2, st.contentGeneration(), "the remembered answer, not a second write");
      assertEquals(2, faults.requests(leader, NodeGrpc.getSetContentsMethod()), "one retry");
      assertEquals(2, client.stat("/counter").contentGeneration(), "applied once");
    }
  }

  @Test
  void lostCreateAnswerDoesNotTurnIntoAlreadyExists() {
    try (LockClient client = Clients.client(cell)) {
      client.session(); // the session first: CreateSession is not exactly-once, Create is
      int leader = leaderId();
      faults.loseAnswers(2);
      NodeStat st = client.createFile("/once", bytes("x"));
      assertEquals("/once", st.path());
      assertEquals(3, faults.requests(leader, NodeGrpc.getCreateMethod()), "two retries");
      assertEquals(1, client.stat("/once").contentGeneration(), "created once");
    }
  }

  @Test
  void retryAfterFailoverGetsTheRememberedAnswer() throws Exception {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/lock", bytes(""));
      // The leader applies the Acquire and dies before its answer is out: the retry reaches the
      // new leader, which answers from the replicated exactly-once record.
      faults.holdAnswers(1);
      Thread mover =
          new Thread(
              () -> {
                Eventually.await("the Acquire answer is held", () -> faults.heldAnswers() == 1);
                moveLeader();
              });
      mover.start();
      try (DistributedLock lock = client.lock("/lock")) {
        assertTrue(lock.tryAcquire());
        LockDetails info = client.lockInfo("/lock");
        assertEquals(1, info.holders().size());
        assertEquals(lock.sequencer().lockGeneration(), info.generation(), "granted once");
        assertTrue(faults.requests(LockGrpc.getAcquireMethod()) >= 2, "retried");
      } finally {
        mover.join(Eventually.BOUND.multipliedBy(2).toMillis());
      }
    }
  }

  @Test
  void sequenceNumbersGrowAcrossManyMutations() {
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/n", bytes(""));
      int leader = leaderId();
      for (int i = 0; i < 20; i++) {
        if (i % 3 == 0) {
          faults.loseAnswers(1);
        }
        client.setContents("/n", bytes(Integer.toString(i)));
      }
      assertEquals(21, client.stat("/n").contentGeneration(), "each write applied once");
      assertEquals(
          20 + 7, faults.requests(leader, NodeGrpc.getSetContentsMethod()), "7 lost, 7 retried");
    }
  }
}
