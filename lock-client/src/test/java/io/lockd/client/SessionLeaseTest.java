package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.SessionGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local lease, jeopardy and expiry, driven by a client clock the test moves by hand, against a
 * real cell that runs in real time. The client asks for the longest lease the cell grants, 60 s, so
 * that the cell keeps the session through the test on its own clock (KeepAlives go out only as the
 * test moves the client's clock). With the 1 % drift bound the client counts on floor(60000 * 0.99
 * / 1.01) - 1 = 58810 ms from the send time of the KeepAlive that was answered, and sends a
 * KeepAlive every third of the lease.
 */
class SessionLeaseTest extends RealCellTest {
  private static final Duration LEASE = Duration.ofSeconds(60);
  private static final Duration USABLE = Duration.ofMillis(58_810);
  private static final Duration THIRD = LEASE.dividedBy(3);

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
                    .sessionLease(LEASE)
                    .gracePeriod(Duration.ofSeconds(45))
                    .attemptTimeout(Duration.ofSeconds(2)));
  }

  @org.junit.jupiter.api.AfterEach
  void stopClient() {
    faults.reset();
    client.close();
  }

  private Session openSession() {
    Session s = client.session();
    s.addListener((session, from, to) -> transitions.add(from + "->" + to));
    Eventually.await("the first KeepAlive was answered", () -> keepAlives() >= 1);
    return s;
  }

  private int keepAlives() {
    return faults.requests(SessionGrpc.getKeepAliveMethod());
  }

  @Test
  void usableLeaseIsShortenedByTheDriftBound() {
    ClientContext ctx = client.async().context();
    assertEquals(Duration.ofMillis(11761).toNanos(), ctx.usableLeaseNanos(12_000));
    assertEquals(USABLE.toNanos(), ctx.usableLeaseNanos(LEASE.toMillis()));
    assertEquals(0, ctx.usableLeaseNanos(0));
  }

  @Test
  void theCellGrantsTheLeaseAsked() {
    Session s = openSession();
    awaitAnswer(s);
    assertEquals(LEASE.toMillis(), read(ns -> ns.getSession(s.id())).getLeaseMillis());
  }

  @Test
  void keepAlivesKeepTheSessionConnected() {
    Session s = openSession();
    awaitAnswer(s);
    for (int i = 1; i <= 10; i++) {
      clock.advance(THIRD);
      // One request per third of the lease, sent when the timer fires.
      int expected = 1 + i;
      Eventually.await("a KeepAlive per lease third", () -> keepAlives() >= expected);
      // Its answer travels in real time: the clock waits for it, or the request's 2 s attempt
      // deadline would pass inside the next step and restart the stream (on a loaded machine).
      awaitAnswer(s);
    }
    assertEquals(SessionState.CONNECTED, s.state());
    assertTrue(keepAlives() >= 10, "sent " + keepAlives());
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

    faults.silenceKeepAliveAnswers(true);
    clock.advance(USABLE.minusMillis(60));
    assertEquals(SessionState.CONNECTED, s.state(), "the local lease has not run out yet");
    clock.advance(Duration.ofMillis(100));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    Eventually.await("lock told", () -> lockNews.contains("lost SESSION_JEOPARDY"));
    assertFalse(lock.isHeld());
    assertEquals(seq, lock.sequencer(), "the sequencer stays available so resources can judge it");

    faults.silenceKeepAliveAnswers(false);
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
    return read(ns -> ns.getLockInfo(path)).getLock().getHoldersCount();
  }

  @Test
  void acquireIsTrueOnlyForALockHeldWhenItReturns() throws Exception {
    Session s = openSession();
    client.createFile("/g", bytes(""));
    DistributedLock lock = client.lock("/g");
    faults.silenceKeepAliveAnswers(true);
    clock.advance(USABLE.plusMillis(40));
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
    faults.silenceKeepAliveAnswers(false);
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

    faults.silenceKeepAliveAnswers(true);
    clock.advance(USABLE.plusMillis(40));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(44));
    assertEquals(SessionState.JEOPARDY, s.state(), "grace not over yet");
    clock.advance(Duration.ofSeconds(2));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("lock lost", () -> lockNews.contains("lost SESSION_EXPIRED"));
    assertEquals(List.of("lost SESSION_JEOPARDY", "lost SESSION_EXPIRED"), lockNews);
    assertThrows(IllegalStateException.class, lock::sequencer);

    faults.silenceKeepAliveAnswers(false);
    Session next = client.session();
    assertNotEquals(s.id(), next.id(), "a new session replaces the expired one");
  }

  private void allDown(boolean down) {
    for (int id = 1; id <= cell.size(); id++) {
      faults.setDown(id, down);
    }
  }

  /**
   * A session the client gave up on in JEOPARDY may still live on the cell (a new leader keeps it
   * for its grace), holding its locks against everyone: the client closes it there once a leader
   * answers. (The cell would end it only after its 60 s lease; the CloseSession request that
   * reaches the cell shows who freed the lock.)
   */
  @Test
  void aSessionGivenUpAfterTheGraceIsClosedOnTheCellOnceALeaderAnswers() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    assertTrue(client.lock("/l").tryAcquire());
    allDown(true);
    clock.advance(USABLE.plusMillis(40));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(46));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    assertEquals(1, holders("/l"), "no leader yet: nobody could be told");
    allDown(false);
    clock.advanceUntil(
        "the lock is free on the cell",
        Duration.ofMillis(100),
        Duration.ofSeconds(10),
        () -> holders("/l") == 0);
    assertEquals(
        0,
        read(ns -> ns.listSessions()).getSessionsList().stream()
            .filter(i -> i.getSessionId() == s.id())
            .count(),
        "the session is gone from the cell");
    assertTrue(faults.requests(SessionGrpc.getCloseSessionMethod()) >= 1, "closed by the client");
  }

  /** A close no leader confirmed within the operation timeout goes through once one answers. */
  @Test
  void aCloseUnconfirmedInTimeReachesTheCellOnceALeaderAnswers() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    assertTrue(client.lock("/l").tryAcquire());
    allDown(true);
    var closed = s.closeAsync();
    // past the client's 10 s operation timeout (the close starts on the loop, maybe later)
    clock.advanceUntil(
        "closed here", Duration.ofSeconds(1), Duration.ofSeconds(30), closed::isDone);
    assertEquals(SessionState.CLOSED, s.state());
    assertEquals(1, holders("/l"));
    allDown(false);
    clock.advanceUntil(
        "the lock is free on the cell",
        Duration.ofMillis(100),
        Duration.ofSeconds(10),
        () -> holders("/l") == 0);
    assertTrue(faults.requests(SessionGrpc.getCloseSessionMethod()) >= 1, "closed by the client");
  }

  @Test
  void cellEndingTheSessionIsSeenAtOnce() {
    Session s = openSession();
    client.createFile("/l", bytes(""));
    DistributedLock lock =
        client.lock("/l", LockMode.EXCLUSIVE, (l, reason) -> lockNews.add("lost " + reason));
    assertTrue(lock.tryAcquire());
    forceClose(s.id());
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("lock lost", () -> lockNews.contains("lost SESSION_EXPIRED"));
    Eventually.await("listener told", () -> !transitions.isEmpty());
    assertEquals(List.of("CONNECTED->EXPIRED"), transitions);
  }

  @Test
  void pendingMutationsFailWhenTheSessionExpires() {
    Session s = openSession();
    client.createFile("/f", bytes(""));
    allDown(true);
    var pending = client.async().setContents("/f", bytes("x"));
    clock.advance(USABLE.plusMillis(40));
    Eventually.await("jeopardy", () -> s.state() == SessionState.JEOPARDY);
    clock.advance(Duration.ofSeconds(46));
    Eventually.await("expired", () -> s.state() == SessionState.EXPIRED);
    Eventually.await("the write failed", pending::isDone);
    Throwable t = assertThrows(Exception.class, pending::join);
    assertTrue(
        t.getCause() instanceof SessionExpiredException || t.getCause() instanceof LockdException,
        t.toString());
    allDown(false);
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
    assertEquals(0, holders("/l"));
    Eventually.await("lock told", () -> lockNews.contains("lost SESSION_CLOSED"));
  }
}
