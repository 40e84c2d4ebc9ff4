package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceImage;
import io.lockd.paxos.Role;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReleaseResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;
import io.lockd.proto.v1.WatchKind;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.proto.v1.WatchResponse;
import io.lockd.server.CoreHarness.Captured;
import io.lockd.server.CoreHarness.Sink;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server core over a hand-stepped replica: leases, grace, expiry, ticks and event streams. */
class CellServerTest {

  private static long count(List<NamespaceCommand> log, NamespaceCommand.OpCase op) {
    return log.stream().filter(c -> c.getOpCase() == op).count();
  }

  @Test
  void aReplicaThatDoesNotLeadRedirectsToTheLeader() {
    CoreHarness h = new CoreHarness(5_000);
    h.replica.role = Role.FOLLOWER;
    h.replica.leaderHint = 3;
    Captured<io.lockd.proto.v1.CreateSessionResponse> c = new Captured<>();
    h.server.createSession("", CreateSessionRequest.getDefaultInstance(), c);
    ServerError e = c.failed();
    assertEquals(ServerError.UNAVAILABLE, e.code());
    assertEquals(3, e.leaderHint());
    assertTrue(e.message().contains("replica 3 leads"), e.message());
    assertTrue(h.replica.proposed.isEmpty());
  }

  @Test
  void duringAnElectionARequestWaitsAndIsRedirectedOnceALeaderIsKnown() {
    CoreHarness h = new CoreHarness(5_000);
    h.replica.role = Role.FOLLOWER;
    h.replica.leaderHint = -1; // the leader went silent: an election is running
    Captured<io.lockd.proto.v1.CreateSessionResponse> c = new Captured<>();
    h.server.createSession("", CreateSessionRequest.getDefaultInstance(), c);
    h.advance(200);
    assertEquals(0, c.calls, "answered before any leader was known");
    assertEquals(1, h.server.parkedRequests());

    h.replica.leaderHint = 4;
    h.server.onTick();
    ServerError e = c.failed();
    assertEquals(ServerError.UNAVAILABLE, e.code());
    assertEquals(4, e.leaderHint());
    assertEquals(0, h.server.parkedRequests());
  }

  @Test
  void aRequestThatReachesTheNextLeaderEarlyIsServedOnceItServes() {
    CoreHarness h = new CoreHarness(5_000);
    h.replica.role = Role.LEADER;
    h.replica.reads = false; // elected, its no-op not yet applied
    Captured<io.lockd.proto.v1.CreateSessionResponse> c = new Captured<>();
    h.server.createSession("", CreateSessionRequest.newBuilder().setClientName("early").build(), c);
    h.step();
    assertEquals(0, c.calls);

    h.replica.reads = true;
    h.step();
    h.apply();
    assertTrue(c.ok().getSessionId() > 0);
  }

  @Test
  void aRequestWaitsForAnElectionOnlySoLong() {
    CoreHarness h = new CoreHarness(5_000);
    h.replica.role = Role.FOLLOWER;
    h.replica.leaderHint = -1;
    Captured<io.lockd.proto.v1.CreateSessionResponse> c = new Captured<>();
    h.server.createSession("", CreateSessionRequest.getDefaultInstance(), c);
    h.advance(ServerConfig.defaults().parkMillis() - 1);
    assertEquals(0, c.calls);
    h.advance(1);
    ServerError e = c.failed();
    assertEquals(ServerError.UNAVAILABLE, e.code());
    assertEquals(-1, e.leaderHint());
  }

  @Test
  void keepAlivesExtendTheLeaseWithoutTouchingTheLogAndSilenceExpires() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(1_000);
    Sink sink = h.stream(s, 0);
    int logged = h.replica.proposed.size();
    for (int i = 0; i < 20; i++) {
      h.advance(400);
      sink.keepAlive(s, 0);
    }
    assertEquals(logged, h.replica.proposed.size(), "KeepAlives must not be logged");
    KeepAliveResponseCheck.leaseLeft(sink, 1_000);
    h.advance(999);
    assertEquals(0, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    h.advance(2);
    assertEquals(1, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    assertThrowsNotFound(h, s);
    assertTrue(sink.closed);
    assertNull(sink.closeError);
    Event last = sink.events().get(sink.events().size() - 1);
    assertEquals(EventType.EVENT_TYPE_SESSION_EXPIRED, last.getType());
  }

  @Test
  void noExpiryWithoutTheLease() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(1_000);
    h.replica.lease = false;
    h.advance(5_000);
    assertEquals(0, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    h.replica.lease = true;
    h.step();
    assertEquals(1, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    assertThrowsNotFound(h, s);
  }

  @Test
  void aNewLeaderExtendsEverySessionByTheGraceBeforeExpiringAny() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(1_000);
    Sink old = h.stream(s, 0);
    h.replica.role = Role.FOLLOWER;
    h.replica.leaderHint = 2;
    h.step();
    assertTrue(old.closed);
    assertEquals(ServerError.UNAVAILABLE, old.closeError.code());
    assertEquals(2, old.closeError.leaderHint());

    h.replica.role = Role.LEADER;
    h.replica.ballot = 2;
    h.replica.leaderHint = 1;
    h.server.onTick();
    NamespaceCommand first = h.replica.proposed.get(h.replica.proposed.size() - 1);
    assertEquals(5_000, first.getExtendAllSessions().getGraceMillis());
    h.apply();
    h.advance(4_900);
    assertEquals(0, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    h.namespace.getSession(s); // still alive well past its 1 s lease
    h.advance(200);
    assertEquals(1, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    assertThrowsNotFound(h, s);
  }

  /**
   * A grace shorter than a session's lease: the new leader keeps the session for its whole lease
   * stretched by the drift bound (a lease the old leader granted may still run that long as this
   * clock counts), and expires it soon after, not at some larger fixed grace.
   */
  @Test
  void aNewLeaderKeepsASessionLongerThanTheGraceForItsWholeLeaseStretchedByDrift() {
    CoreHarness h = new CoreHarness(1_000);
    long s = h.createSession(3_000);
    h.stream(s, 0);
    h.replica.role = Role.FOLLOWER;
    h.step();
    h.replica.role = Role.LEADER;
    h.replica.ballot = 2;
    h.step();
    long outlast = ServerConfig.defaults().outlastMillis(3_000);
    assertTrue(outlast > 3_000, "the drift bound stretches the lease: " + outlast);
    h.advance(outlast - 1);
    assertEquals(
        0,
        count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION),
        "expired while a lease granted by the old leader could still run");
    h.namespace.getSession(s);
    h.advance(2);
    assertEquals(1, count(h.replica.proposed, NamespaceCommand.OpCase.EXPIRE_SESSION));
    assertThrowsNotFound(h, s);
  }

  @Test
  void theDefaultFailoverGraceIsWhatAReconnectingClientNeedsNotAJeopardyGrace() {
    long grace = ServerConfig.defaults().graceMillis();
    assertTrue(grace >= 3_000 && grace <= 10_000, "default failover grace " + grace + " ms");
  }

  @Test
  void aClientBackWithTheNewLeaderGetsLeaderChangedThenItsEvents() {
    CoreHarness h = new CoreHarness(5_000);
    long watcher = h.createSession(10_000);
    long writer = h.createSession(10_000);
    watch(h, watcher, "/f");
    create(h, writer, "/f");
    Sink first = h.stream(watcher, 0);
    h.replica.role = Role.FOLLOWER;
    h.step();
    h.replica.role = Role.LEADER;
    h.replica.ballot = 2;
    h.step();
    setContents(h, writer, "/f", "x");
    Sink second = h.stream(watcher, first.lastIndex());
    List<Event> events = second.events();
    assertEquals(EventType.EVENT_TYPE_LEADER_CHANGED, events.get(0).getType());
    assertEquals(first.lastIndex(), events.get(0).getIndex());
    assertEquals(EventType.EVENT_TYPE_CONTENTS_CHANGED, events.get(1).getType());
    assertEquals(2, events.size());
  }

  @Test
  void eventsResumeFromTheLastSeenIndexWithoutLossOrRepetition() {
    CoreHarness h = new CoreHarness(5_000);
    long watcher = h.createSession(10_000);
    long writer = h.createSession(10_000);
    watch(h, watcher, "/f");
    Sink one = h.stream(watcher, 0);
    create(h, writer, "/f");
    for (int i = 0; i < 5; i++) {
      setContents(h, writer, "/f", "v" + i);
    }
    List<Event> seen = one.events();
    assertEquals(6, seen.size(), seen.toString());
    long processed = seen.get(2).getIndex();
    one.stream.onClosed();
    setContents(h, writer, "/f", "later");
    Sink two = h.stream(watcher, processed);
    List<Event> resumed = two.events();
    assertEquals(seen.subList(3, 6), resumed.subList(0, 3));
    assertEquals(4, resumed.size());
    for (int i = 1; i < resumed.size(); i++) {
      assertTrue(resumed.get(i).getIndex() > resumed.get(i - 1).getIndex());
    }
    two.keepAlive(watcher, processed); // an older acknowledgement: nothing is sent twice
    assertEquals(4, two.events().size());
  }

  @Test
  void aDueTimerGetsATickAndTheWaiterHearsItsTimeout() {
    CoreHarness h = new CoreHarness(5_000);
    long holder = h.createSession(10_000);
    long waiter = h.createSession(10_000);
    create(h, holder, "/l");
    assertTrue(acquire(h, holder, "/l", 0).hasGranted());
    Sink sink = h.stream(waiter, 0);
    assertTrue(acquire(h, waiter, "/l", 300).hasQueued());
    h.advance(200);
    assertEquals(0, count(h.replica.proposed, NamespaceCommand.OpCase.TICK));
    h.advance(200);
    assertEquals(1, count(h.replica.proposed, NamespaceCommand.OpCase.TICK));
    assertTrue(
        sink.events().stream()
            .anyMatch(e -> e.getType() == EventType.EVENT_TYPE_LOCK_WAIT_TIMED_OUT));
  }

  @Test
  void waitersAreGrantedInFifoOrderThroughTheirEventStreams() {
    CoreHarness h = new CoreHarness(5_000);
    long a = h.createSession(10_000);
    long b = h.createSession(10_000);
    long c = h.createSession(10_000);
    create(h, a, "/l");
    Sink sb = h.stream(b, 0);
    Sink sc = h.stream(c, 0);
    assertTrue(acquire(h, a, "/l", 0).hasGranted());
    assertEquals(0, acquire(h, b, "/l", 60_000).getQueued().getWaitersAhead());
    assertEquals(1, acquire(h, c, "/l", 60_000).getQueued().getWaitersAhead());
    release(h, a, "/l");
    assertTrue(granted(sb));
    assertFalse(granted(sc));
    release(h, b, "/l");
    assertTrue(granted(sc));
  }

  @Test
  void aFullTransportDelaysPushesUntilReady() {
    CoreHarness h = new CoreHarness(5_000);
    long watcher = h.createSession(10_000);
    long writer = h.createSession(10_000);
    watch(h, watcher, "/f");
    Sink sink = h.stream(watcher, 0);
    sink.ready = false;
    create(h, writer, "/f");
    assertTrue(sink.events().isEmpty());
    sink.ready = true;
    sink.stream.onReady();
    assertEquals(1, sink.events().size());
  }

  @Test
  void aRetryGetsTheRememberedAnswerAndARefusalForTheStateIsRecorded() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(10_000);
    create(h, s, "/once");
    Captured<CreateNodeResponse> retry = new Captured<>();
    h.server.createNode(
        "",
        CreateNodeRequest.newBuilder()
            .setHeader(h.same(s))
            .setPath("/once")
            .setKind(NodeKind.NODE_KIND_FILE)
            .build(),
        retry);
    h.apply();
    assertEquals("/once", retry.ok().getStat().getPath()); // not ALREADY_EXISTS

    Captured<ReleaseResponse> notHeld = new Captured<>();
    ReleaseRequest release =
        ReleaseRequest.newBuilder().setHeader(h.next(s)).setPath("/once").build();
    h.server.release("", release, notHeld);
    assertEquals(1, h.replica.queued(), "a refusal for the state goes through the log");
    h.apply();
    assertEquals(ServerError.FAILED_PRECONDITION, notHeld.failed().code());
    assertTrue(acquire(h, s, "/once", 0).hasGranted());
    Captured<ReleaseResponse> lateRetry = new Captured<>();
    h.server.release("", release, lateRetry); // the same request again, now that the lock is held
    h.apply();
    assertEquals(
        io.lockd.proto.v1.ErrorReason.ERROR_REASON_STALE_SEQUENCE, lateRetry.failed().reason());
    assertEquals(1, h.namespace.getLockInfo("/once").getLock().getHoldersCount());
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static boolean granted(Sink sink) {
    return sink.events().stream().anyMatch(e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED);
  }

  @Test
  void everyKeepAliveResponseNamesTheNewestRequestItsLeaseIsMeasuredAfter() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(10_000);
    long writer = h.createSession(10_000);
    create(h, writer, "/f");
    Sink sink = new Sink();
    sink.stream = h.server.openKeepAlive("", sink);
    sink.stream.onRequest(
        io.lockd.proto.v1.KeepAliveRequest.newBuilder().setSessionId(s).setRequestId(7).build());
    assertEquals(7, sink.responses.get(sink.responses.size() - 1).getRequestId());
    watch(h, s, "/f");
    setContents(h, writer, "/f", "x"); // pushed to the watcher: still measured after request 7
    assertEquals(7, sink.responses.get(sink.responses.size() - 1).getRequestId());
    assertTrue(sink.responses.get(sink.responses.size() - 1).getEventsCount() > 0);
  }

  private static void assertThrowsNotFound(CoreHarness h, long session) {
    try {
      h.namespace.getSession(session);
    } catch (NamespaceException e) {
      return;
    }
    throw new AssertionError("session " + session + " still exists");
  }

  static void watch(CoreHarness h, long session, String path) {
    Captured<WatchResponse> c = new Captured<>();
    h.server.watch(
        "",
        WatchRequest.newBuilder()
            .setHeader(h.next(session))
            .setPath(path)
            .setKind(WatchKind.WATCH_KIND_CONTENTS)
            .build(),
        c);
    h.apply();
    c.ok();
  }

  /**
   * A backup of a state larger than one copy step is copied over several ticks, with writes applied
   * between them, and answered once whole: with the state as it was when it was asked for.
   */
  @Test
  void aBackupOfALargeStateIsCopiedOverTicksAndHoldsTheStateItWasAskedFor() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(1_000);
    for (String dir : List.of("/a", "/b")) {
      create(h, s, dir, NodeKind.NODE_KIND_DIRECTORY);
      for (int i = 0; i < 10_000; i++) { // together more nodes than one step copies
        create(h, s, String.format("%s/%05d", dir, i));
      }
    }
    byte[] asked = h.namespace.snapshot();
    Captured<NamespaceImage.Capture> backup = new Captured<>();
    h.server.saveSnapshot(backup);
    assertEquals(0, backup.calls, "one step copies only part of the nodes");

    setContents(h, s, "/b/09999", "written after the request"); // ahead of the copy
    create(h, s, "/g-after");
    for (int ticks = 0; ticks < 100 && backup.calls == 0; ticks++) {
      h.server.onTick();
    }
    assertArrayEquals(asked, backup.ok().encode().snapshot().toArray());
  }

  static void create(CoreHarness h, long session, String path) {
    create(h, session, path, NodeKind.NODE_KIND_FILE);
  }

  static void create(CoreHarness h, long session, String path, NodeKind kind) {
    Captured<CreateNodeResponse> c = new Captured<>();
    h.server.createNode(
        "",
        CreateNodeRequest.newBuilder()
            .setHeader(h.next(session))
            .setPath(path)
            .setKind(kind)
            .build(),
        c);
    h.apply();
    c.ok();
  }

  static void setContents(CoreHarness h, long session, String path, String text) {
    Captured<SetContentsResponse> c = new Captured<>();
    h.server.setContents(
        "",
        SetContentsRequest.newBuilder()
            .setHeader(h.next(session))
            .setPath(path)
            .setContents(ByteString.copyFromUtf8(text))
            .build(),
        c);
    h.apply();
    c.ok();
  }

  static AcquireResponse acquire(CoreHarness h, long session, String path, long waitMillis) {
    Captured<AcquireResponse> c = new Captured<>();
    h.server.acquire(
        "",
        AcquireRequest.newBuilder()
            .setHeader(h.next(session))
            .setPath(path)
            .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
            .setWaitMillis(waitMillis)
            .build(),
        c);
    h.apply();
    return c.ok();
  }

  static void release(CoreHarness h, long session, String path) {
    Captured<ReleaseResponse> c = new Captured<>();
    h.server.release(
        "", ReleaseRequest.newBuilder().setHeader(h.next(session)).setPath(path).build(), c);
    h.apply();
    c.ok();
  }

  /** Checks on KeepAlive answers. */
  static final class KeepAliveResponseCheck {
    static void leaseLeft(Sink sink, long expected) {
      assertEquals(
          expected, sink.responses.get(sink.responses.size() - 1).getLeaseRemainingMillis());
    }
  }
}
