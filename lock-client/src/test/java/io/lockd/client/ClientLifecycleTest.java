package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Closing: the session ends cleanly, calls after close fail, and no thread outlives the client. */
class ClientLifecycleTest extends RealCellTest {
  static Set<Thread> clientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("lockd-client-"))
        .collect(Collectors.toSet());
  }

  @Test
  void closeStopsEveryThreadTheClientStarted() throws Exception {
    Set<Thread> before = clientThreads();
    LockClient client = client();
    client.createFile("/f", bytes("x"));
    client.watch("/f", WatchKind.CONTENTS, e -> {});
    DistributedLock lock = client.lock("/f");
    assertTrue(lock.tryAcquire());
    long session = client.session().id();
    client.close();
    client.close(); // idempotent
    Eventually.await(
        "client threads gone",
        () -> {
          Set<Thread> now = clientThreads();
          now.removeAll(before);
          return now.isEmpty();
        });
    assertEquals(
        0,
        read(ns -> ns.listSessions()).getSessionsList().stream()
            .filter(s -> s.getSessionId() == session)
            .count(),
        "the session was closed, not left to expire");
    assertEquals(0, read(ns -> ns.getLockInfo("/f")).getLock().getHoldersCount());
  }

  @Test
  void callsAfterCloseFail() throws Exception {
    LockClient client = client();
    client.close();
    LockdException e = assertThrows(LockdException.class, () -> client.stat("/"));
    assertEquals(Status.Code.CANCELLED, e.code());
  }

  @Test
  void closeOfAClientThatNeverReachedTheCellIsBounded() {
    for (int id = 1; id <= cell.size(); id++) {
      cell.stop(id);
    }
    Set<Thread> before = clientThreads();
    LockClient client = Clients.client(cell, b -> b.operationTimeout(Duration.ofMillis(300)));
    assertThrows(LockdException.class, client::session);
    client.close();
    Eventually.await(
        "threads gone",
        () -> {
          Set<Thread> now = clientThreads();
          now.removeAll(before);
          return now.isEmpty();
        });
  }
}
