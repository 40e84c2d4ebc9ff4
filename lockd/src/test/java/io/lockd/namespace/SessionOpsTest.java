package io.lockd.namespace;

import static io.lockd.namespace.Harness.fails;
import static io.lockd.namespace.Harness.ok;
import static io.lockd.namespace.NodeOpsTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExtendAllSessionsOp;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseReason;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.WatchKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionOpsTest {
  private static final LockMode X = LockMode.LOCK_MODE_EXCLUSIVE;

  private final Harness h = new Harness();

  @Test
  void createAssignsGrowingIdsAndClampsTheLease() {
    NamespaceLimits l = h.ns.limits();
    assertEquals(l.leaseDefaultMillis(), created("d", 0).getLeaseMillis());
    assertEquals(l.minLeaseMillis(), created("short", 1).getLeaseMillis());
    assertEquals(l.maxLeaseMillis(), created("long", 10_000_000).getLeaseMillis());
    assertEquals(l.maxLeaseMillis(), created("huge", -1L).getLeaseMillis());
    assertEquals(5_000, created("ok", 5_000).getLeaseMillis());
    List<SessionInfo> sessions = h.ns.listSessions().getSessionsList();
    assertEquals(
        List.of(1L, 2L, 3L, 4L, 5L), sessions.stream().map(SessionInfo::getSessionId).toList());
    SessionInfo ok = h.ns.getSession(5);
    assertEquals("ok", ok.getClientName());
    assertEquals(h.nowMillis, ok.getCreatedMillis());
    assertEquals(h.nowMillis + 5_000, ok.getLoggedDeadlineMillis());
  }

  @Test
  void createRefusesLongNamesAndTooManySessions() {
    Harness small =
        new Harness(NamespaceLimits.builder().maxSessions(1).maxClientNameBytes(4).build());
    NamespaceResult r =
        small.leader(b -> b.setCreateSession(CreateSessionOp.newBuilder().setClientName("fünf")));
    fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    assertTrue(r.getError().getMessage().contains("maxClientNameBytes=4"));
    small.session("one", 0);
    r = small.leader(b -> b.setCreateSession(CreateSessionOp.newBuilder().setClientName("two")));
    fails(r, ErrorCode.ERROR_CODE_RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_LIMIT_REACHED);
    assertEquals(1, small.ns.listSessions().getSessionsCount());
  }

  @Test
  void unknownClosedAndExpiredSessionsAreNotFound() {
    long s = h.session();
    fails(
        h.create(99, "/x", NodeKind.NODE_KIND_FILE, false, ""),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
    ok(h.close(s));
    fails(
        h.create(s, "/x", NodeKind.NODE_KIND_FILE, false, ""),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
    fails(h.close(s), ErrorCode.ERROR_CODE_NOT_FOUND, ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
    assertRefused(
        () -> h.ns.getSession(s),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
    assertRefused(
        () -> h.ns.eventsSince(s, 0),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
    fails(h.expire(s), ErrorCode.ERROR_CODE_NOT_FOUND, ErrorReason.ERROR_REASON_SESSION_NOT_FOUND);
  }

  @Test
  void leaseExpiryIsRefusedBeforeTheLoggedDeadline() {
    long s = h.session("s", 5_000);
    h.advance(4_999);
    fails(
        h.expire(s),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LEASE_NOT_EXPIRED);
    h.advance(1);
    ok(h.expire(s));
    assertEquals(0, h.ns.listSessions().getSessionsCount());
  }

  @Test
  void newLeaderGraceExtendsLoggedDeadlines() {
    long s = h.session("s", 5_000);
    NamespaceResult r =
        h.leader(
            b -> b.setExtendAllSessions(ExtendAllSessionsOp.newBuilder().setGraceMillis(20_000)));
    assertEquals(1, ok(r).getExtended().getSessions());
    h.advance(10_000);
    fails(
        h.expire(s),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LEASE_NOT_EXPIRED);
    ok(h.forceClose(s));
    fails(
        h.leader(b -> b.setExtendAllSessions(ExtendAllSessionsOp.newBuilder().setGraceMillis(-5))),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    fails(
        h.leader(b -> b.setExpireSession(ExpireSessionOp.newBuilder().setSessionId(1))),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
  }

  @Test
  void expiryStartsLockDelayButReleaseAndCloseDoNot() {
    long holder = h.session("holder", 1_000);
    long other = h.session("other", 0);
    h.file(other, "/released", "");
    h.file(other, "/closed", "");
    h.file(other, "/expired", "");
    h.lock(holder, "/released", X);
    ok(h.release(holder, "/released"));
    h.lock(other, "/released", X);

    long closer = h.session("closer", 0);
    h.lock(closer, "/closed", X);
    ok(h.close(closer));
    h.lock(other, "/closed", X);

    h.lock(holder, "/expired", X);
    h.advance(1_000);
    ok(h.expire(holder));
    LockInfo info = h.ns.getLockInfo("/expired").getLock();
    assertEquals(h.nowMillis + 10_000, info.getLockDelayUntilMillis());
    assertEquals(10_000, info.getLockDelayRemainingMillis());
    assertTrue(
        fails(
                h.acquire(other, "/expired", X, 0),
                ErrorCode.ERROR_CODE_ABORTED,
                ErrorReason.ERROR_REASON_LOCK_BUSY)
            .getError()
            .getMessage()
            .contains("lock-delay"));
    assertTrue(ok(h.acquire(other, "/expired", X, 60_000)).getAcquire().hasQueued());

    h.advance(9_999);
    h.tick();
    assertEquals(0, h.ns.getLockInfo("/expired").getLock().getHoldersCount());
    h.advance(1);
    h.tick();
    assertEquals(other, h.ns.getLockInfo("/expired").getLock().getHolders(0).getSessionId());
  }

  @Test
  void nodeWithoutLockDelayIsFreeAtOnceAfterExpiry() {
    long holder = h.session("holder", 1_000);
    long other = h.session();
    ok(
        h.client(
            other,
            b ->
                b.setCreateNode(
                    io.lockd.proto.ns.v1.CreateNodeOp.newBuilder()
                        .setPath("/l")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .setLockDelayMillis(0))));
    h.lock(holder, "/l", X);
    h.advance(1_000);
    ok(h.expire(holder));
    h.lock(other, "/l", X);
  }

  @Test
  void forceCloseActsAsExpiry() {
    long holder = h.session();
    h.file(holder, "/l", "");
    h.lock(holder, "/l", X);
    ok(h.forceClose(holder));
    assertTrue(h.ns.getLockInfo("/l").getLock().getLockDelayRemainingMillis() > 0);
  }

  @Test
  void endingASessionDeletesItsEphemeralNodesDeepestFirstAndTellsWatchers() {
    long owner = h.session();
    long watcher = h.session();
    ok(h.create(owner, "/e", NodeKind.NODE_KIND_DIRECTORY, true, ""));
    h.ephemeral(owner, "/e/a");
    h.ephemeral(owner, "/e/b");
    h.file(owner, "/permanent", "");
    ok(h.watch(watcher, "/", WatchKind.WATCH_KIND_CHILDREN));
    ok(h.watch(watcher, "/e/a", WatchKind.WATCH_KIND_CONTENTS));
    assertEquals(3, h.ns.getSession(owner).getEphemeralNodes());

    ok(h.close(owner));
    assertEquals(List.of("permanent"), h.ns.listChildren("/").getNamesList());
    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(
        List.of(EventType.EVENT_TYPE_NODE_DELETED, EventType.EVENT_TYPE_CHILDREN_CHANGED),
        events.stream().map(Event::getType).toList());
    assertEquals("/e/a", events.get(0).getPath());
    assertEquals("e", events.get(1).getChildName());
    assertTrue(events.stream().allMatch(e -> e.getIndex() == h.ns.appliedIndex()));
  }

  @Test
  void expiryOfAnEphemeralOwnerRevokesOtherClaimsOnItsNodes() {
    long owner = h.session("owner", 1_000);
    long holder = h.session();
    long waiter = h.session();
    h.ephemeral(owner, "/e");
    Sequencer s = h.lock(holder, "/e", LockMode.LOCK_MODE_SHARED);
    h.lock(owner, "/e", LockMode.LOCK_MODE_SHARED);
    ok(h.acquire(waiter, "/e", X, 60_000));
    h.advance(1_000);
    ok(h.expire(owner));

    assertRefused(
        () -> h.ns.getStat("/e"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    Event lost = lastEvent(holder);
    assertEquals(EventType.EVENT_TYPE_LOCK_LOST, lost.getType());
    assertEquals(s.getLockGeneration(), lost.getLockGeneration());
    assertEquals(EventType.EVENT_TYPE_LOCK_WAIT_CANCELLED, lastEvent(waiter).getType());
    assertEquals(List.of(), h.ns.getSession(holder).getHeldLocksList());
    assertEquals(List.of(), h.ns.getSession(waiter).getWaitingLocksList());

    h.ephemeral(holder, "/e");
    assertTrue(
        h.ns.getLockInfo("/e").getLock().getLockDelayRemainingMillis() > 0,
        "the owner's lock-delay stays on the path");
    assertRefused(
        () -> h.ns.checkSequencer(s),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID);
  }

  @Test
  void endingASessionWithdrawsItsWaitsAndReleasesItsLocksToWaiters() {
    long a = h.session();
    long b = h.session();
    long c = h.session();
    h.file(a, "/l", "");
    h.file(a, "/m", "");
    h.lock(b, "/l", X);
    ok(h.acquire(a, "/l", X, 60_000));
    ok(h.acquire(c, "/l", X, 60_000));
    h.lock(a, "/m", X);
    ok(h.acquire(b, "/m", X, 60_000));
    ok(h.watch(c, "/m", WatchKind.WATCH_KIND_LOCK));

    ok(h.close(a));
    assertEquals(
        List.of(c),
        h.ns.getLockInfo("/l").getLock().getWaitersList().stream()
            .map(w -> w.getSessionId())
            .toList());
    assertEquals(b, h.ns.getLockInfo("/m").getLock().getHolders(0).getSessionId());
    List<Event> seen = h.ns.eventsSince(c, 0);
    assertEquals(EventType.EVENT_TYPE_LOCK_RELEASED, seen.get(0).getType());
    assertEquals(ReleaseReason.RELEASE_REASON_SESSION_CLOSED, seen.get(0).getReleaseReason());
    assertEquals(EventType.EVENT_TYPE_LOCK_ACQUIRED, seen.get(1).getType());
    assertEquals(b, seen.get(1).getSessionId());
  }

  @Test
  void anIdleSessionIsSmall() {
    Harness big = new Harness();
    byte[] empty = big.ns.snapshot();
    for (int i = 0; i < 100; i++) {
      long s = big.session("client-" + i, 0);
      ok(
          big.client(
              s,
              b ->
                  b.setUnwatch(
                      io.lockd.proto.ns.v1.UnwatchOp.newBuilder()
                          .setPath("/")
                          .setKind(WatchKind.WATCH_KIND_CONTENTS))));
    }
    int perSession = (big.ns.snapshot().length - empty.length) / 100;
    assertTrue(perSession < 1024, "an idle session snapshots to " + perSession + " bytes");
  }

  private io.lockd.proto.ns.v1.SessionCreated created(String name, long leaseMillis) {
    return ok(h.leader(
            b ->
                b.setCreateSession(
                    CreateSessionOp.newBuilder()
                        .setClientName(name)
                        .setRequestedLeaseMillis(leaseMillis))))
        .getSessionCreated();
  }

  private Event lastEvent(long session) {
    List<Event> events = h.ns.eventsSince(session, 0);
    return events.get(events.size() - 1);
  }
}
