package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local lease, jeopardy and expiry, driven by a clock the test moves by hand. The cell grants
 * 12 s leases; with the 1 % drift bound the client counts on floor(12000 * 0.99 / 1.01) - 1 = 11761
 * ms from the send time of the KeepAlive that was answered.
 */
class SessionLeaseTest extends FakeCellTest {
  private ManualClock clock;
  private LockClient client;
  private final List<String> transitions = new CopyOnWriteArrayList<>();
  private final List<String> lockNews = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startClient() {
    client =
        Clients.client(
            cell,
            b ->
                b.clock(
                        loop -> {
                          clock = new ManualClock(loop);
                          return clock;
                        })
                    .gracePeriod(Duration.ofSeconds(45))
                    .attemptTimeout(Duration.ofSeconds(2)));
  }

  @org.junit.jupiter.api.AfterEach
  void stopClient() {
    cell.setKeepAlivesSilent(false);
    client.close();
  }

  private Session openSession() {
    Session s = client.session();
    s.addListener((session, from, to) -> transitions.add(from + "->" + to));
    Eventually.await("the first KeepAlive was answered", () -> cell.keepAliveRequests() >= 1);
    return s;
  }

  @Test
  void usableLeaseIsShortenedByTheDriftBound() {
    ClientContext ctx = client.async().context();
    assertEquals(Duration.ofMillis(11761).toNanos(), ctx.usableLeaseNanos(12_000));
    assertEquals(0, ctx.usableLeaseNanos(0));
  }

  @Test
  void keepAlivesKeepTheSessionConnected() {
    Session s = openSession();
    awaitAnswer(s);
    for (int i = 1; i <= 10; i++) {
      clock.advance(Duration.ofSeconds(4));
      // One request per third of the lease, sent when the timer fires.
      int expected = 1 + i;
      Eventually.await("a KeepAlive per lease third", () -> cell.keepAliveRequests() >= expected);
      // Its answer travels in real time: the clock waits for it, or the request's 2 s attempt
      // deadline would pass inside the next step and restart the stream (on a loaded machine).
      awaitAnswer(s);
    }
    assertEquals(SessionState.CONNECTED, s.state());
    assertTrue(cell.keepAliveRequests() >= 10, "sent " + cell.keepAliveRequests());
  }

  private void awaitAnswer(Session s) {
    Eventually.await("the KeepAlive answered", () -> !clock.onLoop(s::keepAliveAwaitingAnswer));
  }

  @Test
  void silentLeaderMeansJeopardyThenRecovery() throws Exception {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    DistributedLock lock =
        client.lock(
            "/l",
            LockMode.EXCLUSIVE,
            new LockListener() {
              @Override
              public void onLost(DistributedLock l, LockLossReason reason) {
                lockNews.add("lost " + reason);
              }

              @Override
              public void onRestored(DistributedLock l) {
                lockNews.add("restored");
              }
            });
    assertTrue(lock.tryAcquire());
    Sequencer seq = lock.sequencer();

    cell.setKeepAlivesSilent(true);
    clock.advance(Duration.ofMillis(11_700));
    assertEquals(SessionState.CONNECTED, s.state(), "the local lease has not run out yet");
    clock.advance(Duration.ofMillis(100));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    Eventually.await("lock told", () -> lockNews.contains("lost SESSION_JEOPARDY"));
    assertFalse(lock.isHeld());
    assertEquals(seq, lock.sequencer(), "the sequencer stays available so resources can judge it");

    cell.setKeepAlivesSilent(false);
    clock.advance(Duration.ofSeconds(3)); // the unanswered request times out; the stream reopens
    // Refusals met on the way may have set a backoff timer after the advance was over.
    clock.advanceUntil(
        "connected again",
        Duration.ofMillis(50),
        Duration.ofSeconds(5),
        () -> s.state() == SessionState.CONNECTED);
    Eventually.await("lock restored", () -> lockNews.contains("restored"));
    assertTrue(lock.isHeld());
    Eventually.await("listener told", () -> transitions.size() == 2);
    assertEquals(List.of("CONNECTED->JEOPARDY", "JEOPARDY->CONNECTED"), transitions);
    lock.release();
  }

  private int holders(String path) {
    return cell.read(ns -> ns.getLockInfo(path)).getLock().getHoldersCount();
  }

  @Test
  void acquireIsTrueOnlyForALockHeldWhenItReturns() throws Exception {
    Session s = openSession();
    client.createFile("/g", bytes(""));
    DistributedLock lock = client.lock("/g");
    cell.setKeepAlivesSilent(true);
    clock.advance(Duration.ofMillis(11_800));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);

    // The cell grants while the session is in jeopardy, and the session does not recover in time.
    CompletableFuture<Boolean> late = lock.acquireAsync(Duration.ofSeconds(5));
    Eventually.await("granted by the cell", () -> holders("/g") == 1);
    clock.advance(Duration.ofSeconds(7)); // past the wait's 5 s and its slack
    assertFalse(late.get(20, TimeUnit.SECONDS), "true although the lock was not held (jeopardy)");
    assertFalse(lock.isHeld());
    Eventually.await("the grant was given back", () -> holders("/g") == 0);

    // Granted in jeopardy again, and this time the session recovers within the wait: true.
    CompletableFuture<Boolean> recovered = lock.acquireAsync(Duration.ofSeconds(30));
    Eventually.await("granted by the cell", () -> holders("/g") == 1);
    cell.setKeepAlivesSilent(false);
    clock.advanceUntil(
        "connected again",
        Duration.ofMillis(50),
        Duration.ofSeconds(5),
        () -> s.state() == SessionState.CONNECTED);
    assertTrue(recovered.get(20, TimeUnit.SECONDS));
    assertTrue(lock.isHeld());
    lock.release();
  }

  @Test
  void graceRunsOutAndTheSessionExpires() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    DistributedLock lock =
        client.lock("/l", LockMode.EXCLUSIVE, (l, reason) -> lockNews.add("lost " + reason));
    assertTrue(lock.tryAcquire());

    cell.setKeepAlivesSilent(true);
    clock.advance(Duration.ofSeconds(12));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(44));
    assertEquals(SessionState.JEOPARDY, s.state(), "grace not over yet");
    clock.advance(Duration.ofSeconds(2));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("lock lost", () -> lockNews.contains("lost SESSION_EXPIRED"));
    assertEquals(List.of("lost SESSION_JEOPARDY", "lost SESSION_EXPIRED"), lockNews);
    assertThrows(IllegalStateException.class, lock::sequencer);

    cell.setKeepAlivesSilent(false);
    Session next = client.session();
    assertNotEquals(s.id(), next.id(), "a new session replaces the expired one");
  }

  /**
   * A session the client gave up on in JEOPARDY may still live on the cell (a new leader keeps it
   * for its grace), holding its locks against everyone: the client closes it there once a leader
   * answers. (This fake cell never expires sessions, so only the close can free the lock.)
   */
  @Test
  void aSessionGivenUpAfterTheGraceIsClosedOnTheCellOnceALeaderAnswers() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    assertTrue(client.lock("/l").tryAcquire());
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, true);
    }
    clock.advance(Duration.ofSeconds(12));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(46));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    assertEquals(1, holders("/l"), "no leader yet: nobody could be told");
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, false);
    }
    clock.advanceUntil(
        "the lock is free on the cell",
        Duration.ofMillis(100),
        Duration.ofSeconds(10),
        () -> holders("/l") == 0);
    assertEquals(
        0,
        cell.read(ns -> ns.listSessions()).getSessionsList().stream()
            .filter(i -> i.getSessionId() == s.id())
            .count(),
        "the session is gone from the cell");
  }

  /** A close no leader confirmed within the operation timeout goes through once one answers. */
  @Test
  void aCloseUnconfirmedInTimeReachesTheCellOnceALeaderAnswers() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    assertTrue(client.lock("/l").tryAcquire());
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, true);
    }
    var closed = s.closeAsync();
    // past the client's 10 s operation timeout (the close starts on the loop, maybe later)
    clock.advanceUntil(
        "closed here", Duration.ofSeconds(1), Duration.ofSeconds(30), closed::isDone);
    assertEquals(SessionState.CLOSED, s.state());
    assertEquals(1, holders("/l"));
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, false);
    }
    clock.advanceUntil(
        "the lock is free on the cell",
        Duration.ofMillis(100),
        Duration.ofSeconds(10),
        () -> holders("/l") == 0);
  }

  @Test
  void cellEndingTheSessionIsSeenAtOnce() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    DistributedLock lock =
        client.lock("/l", LockMode.EXCLUSIVE, (l, reason) -> lockNews.add("lost " + reason));
    assertTrue(lock.tryAcquire());
    cell.expireSession(s.id());
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("lock lost", () -> lockNews.contains("lost SESSION_EXPIRED"));
    Eventually.await("listener told", () -> !transitions.isEmpty());
    assertEquals(List.of("CONNECTED->EXPIRED"), transitions);
  }

  @Test
  void pendingMutationsFailWhenTheSessionExpires() {
    Session s = openSession();
    client.createFile("/f", bytes(""));
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, true);
    }
    var pending = client.async().setContents("/f", bytes("x"));
    clock.advance(Duration.ofSeconds(12));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(46));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("the write failed", pending::isDone);
    Throwable t = assertThrows(Exception.class, pending::join);
    assertTrue(
        t.getCause() instanceof SessionExpiredException || t.getCause() instanceof LockdException,
        t.toString());
    for (int i = 0; i < 5; i++) {
      cell.setDown(i, false);
    }
  }

  @Test
  void closeReleasesLocksAndEndsTheSession() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    DistributedLock lock =
        client.lock("/l", LockMode.EXCLUSIVE, (l, reason) -> lockNews.add("lost " + reason));
    assertTrue(lock.tryAcquire());
    s.close();
    assertEquals(SessionState.CLOSED, s.state());
    assertEquals(0, cell.read(ns -> ns.getLockInfo("/l")).getLock().getHoldersCount());
    Eventually.await("lock told", () -> lockNews.contains("lost SESSION_CLOSED"));
  }
}
