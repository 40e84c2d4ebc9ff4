package io.lockd.namespace;

import static io.lockd.namespace.Harness.ok;
import static io.lockd.namespace.NodeOpsTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.Sequencer;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LockOpsTest {
  private static final LockMode X = LockMode.LOCK_MODE_EXCLUSIVE;
  private static final LockMode S = LockMode.LOCK_MODE_SHARED;

  private final Harness h = new Harness();
  private final long a = h.session("a", 0);
  private final long b = h.session("b", 0);
  private final long c = h.session("c", 0);

  LockOpsTest() {
    h.file(a, "/l", "");
  }

  @Test
  void exclusiveGrantYieldsSequencerAndGenerationsGrow() {
    Sequencer first = h.lock(a, "/l", X);
    assertEquals("/l", first.getPath());
    assertEquals(X, first.getMode());
    assertEquals(a, first.getSessionId());
    assertEquals(h.ns.getStat("/l").getStat().getInstance(), first.getInstance());
    assertEquals(first.getLockGeneration(), h.ns.getStat("/l").getStat().getLockGeneration());
    ok(h.release(a, "/l"));
    Sequencer second = h.lock(b, "/l", X);
    assertTrue(second.getLockGeneration() > first.getLockGeneration());
  }

  @Test
  void generationsNeverRepeatAcrossDeleteAndRecreate() {
    Sequencer before = h.lock(a, "/l", X);
    ok(h.release(a, "/l"));
    ok(h.delete(a, "/l"));
    h.file(a, "/l", "");
    Sequencer after = h.lock(b, "/l", X);
    assertTrue(after.getLockGeneration() > before.getLockGeneration());
    assertTrue(after.getInstance() > before.getInstance());
  }

  @Test
  void noWaitAcquireOfBusyLockIsAbortedAndChangesNothing() {
    h.lock(a, "/l", X);
    String msg =
        acquireFails(
            b, "/l", X, 0, ErrorCode.ERROR_CODE_ABORTED, ErrorReason.ERROR_REASON_LOCK_BUSY);
    assertTrue(msg.contains("held exclusively by session(s) [" + a + "]"), msg);
    acquireFails(b, "/l", S, 0, ErrorCode.ERROR_CODE_ABORTED, ErrorReason.ERROR_REASON_LOCK_BUSY);
  }

  @Test
  void sharedHoldersCoexistAndExclusiveWaits() {
    h.lock(a, "/l", S);
    h.lock(b, "/l", S);
    LockInfo info = h.ns.getLockInfo("/l").getLock();
    assertEquals(S, info.getMode());
    assertEquals(2, info.getHoldersCount());
    assertEquals("a", info.getHolders(0).getClientName());
    acquireFails(c, "/l", X, 0, ErrorCode.ERROR_CODE_ABORTED, ErrorReason.ERROR_REASON_LOCK_BUSY);
  }

  @Test
  void sharedRequestBehindQueuedExclusiveWaitsSoWritersDoNotStarve() {
    h.lock(a, "/l", S);
    assertTrue(ok(h.acquire(b, "/l", X, 10_000)).getAcquire().hasQueued());
    String msg =
        acquireFails(
            c, "/l", S, 0, ErrorCode.ERROR_CODE_ABORTED, ErrorReason.ERROR_REASON_LOCK_BUSY);
    assertTrue(msg.contains("1 waiter(s) queued ahead"), msg);
    NamespaceResult queued = ok(h.acquire(c, "/l", S, 10_000));
    assertEquals(1, queued.getAcquire().getQueued().getWaitersAhead());

    ok(h.release(a, "/l"));
    LockInfo info = h.ns.getLockInfo("/l").getLock();
    assertEquals(X, info.getMode());
    assertEquals(b, info.getHolders(0).getSessionId());
    assertEquals(List.of(c), info.getWaitersList().stream().map(w -> w.getSessionId()).toList());
  }

  @Test
  void waitersAreGrantedInFifoOrderAndARunOfSharedTogether() {
    long d = h.session("d", 0);
    h.lock(a, "/l", X);
    ok(h.acquire(b, "/l", S, 10_000));
    ok(h.acquire(c, "/l", S, 10_000));
    ok(h.acquire(d, "/l", X, 10_000));

    ok(h.release(a, "/l"));
    LockInfo info = h.ns.getLockInfo("/l").getLock();
    assertEquals(List.of(b, c), info.getHoldersList().stream().map(x -> x.getSessionId()).toList());
    assertEquals(d, info.getWaiters(0).getSessionId());
    Event granted = last(b);
    assertEquals(EventType.EVENT_TYPE_LOCK_GRANTED, granted.getType());
    assertEquals(S, granted.getSequencer().getMode());
    assertEquals(1, granted.getRequestSequence(), "echoes the acquire's sequence number");

    ok(h.release(b, "/l"));
    assertEquals(S, h.ns.getLockInfo("/l").getLock().getMode());
    ok(h.release(c, "/l"));
    assertEquals(d, h.ns.getLockInfo("/l").getLock().getHolders(0).getSessionId());
    assertEquals(X, last(d).getSequencer().getMode());
  }

  @Test
  void queuedSequencerEqualsWhatCheckSequencerAccepts() {
    h.lock(a, "/l", X);
    ok(h.acquire(b, "/l", X, 10_000));
    ok(h.release(a, "/l"));
    Sequencer s = last(b).getSequencer();
    assertEquals(h.ns.appliedIndex(), h.ns.checkSequencer(s).getIndex());
  }

  @Test
  void releaseRefusalsAndWithdrawingAWait() {
    acquireFails(
        a,
        "/l",
        LockMode.LOCK_MODE_UNSPECIFIED,
        0,
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    releaseFails(
        a, "/l", ErrorCode.ERROR_CODE_FAILED_PRECONDITION, ErrorReason.ERROR_REASON_LOCK_NOT_HELD);
    releaseFails(
        a, "/missing", ErrorCode.ERROR_CODE_NOT_FOUND, ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    releaseFails(a, "", ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_PATH);
    h.lock(a, "/l", X);
    releaseFails(
        b, "/l", ErrorCode.ERROR_CODE_FAILED_PRECONDITION, ErrorReason.ERROR_REASON_LOCK_NOT_HELD);

    ok(h.acquire(b, "/l", X, 10_000));
    assertTrue(ok(h.release(b, "/l")).getRelease().getWasWaiting());
    assertEquals(0, h.ns.getLockInfo("/l").getLock().getWaitersCount());
    assertFalse(ok(h.release(a, "/l")).getRelease().getWasWaiting());
  }

  @Test
  void acquiringTwiceIsRefused() {
    h.lock(a, "/l", S);
    acquireFails(
        a,
        "/l",
        S,
        0,
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD);
    acquireFails(
        a,
        "/l",
        X,
        1_000,
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD);
    h.lock(b, "/l", S);
    ok(h.acquire(c, "/l", X, 1_000));
    acquireFails(
        c,
        "/l",
        X,
        1_000,
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD);
  }

  @Test
  void acquireOnMissingOrDeletedNodeIsNotFound() {
    acquireFails(
        a, "/nope", X, 0, ErrorCode.ERROR_CODE_NOT_FOUND, ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    ok(h.delete(a, "/l"));
    acquireFails(
        a, "/l", X, 1_000, ErrorCode.ERROR_CODE_NOT_FOUND, ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    acquireFails(
        a, "/l/", X, 0, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_PATH);
  }

  @Test
  void tooManyWaitersIsResourceExhausted() {
    Harness small = new Harness(NamespaceLimits.builder().maxWaitersPerLock(1).build());
    long x = small.session();
    long y = small.session();
    long z = small.session();
    small.file(x, "/l", "");
    small.lock(x, "/l", X);
    ok(small.acquire(y, "/l", X, 1_000));
    NamespaceResult r =
        small.failsUnchanged(
            z,
            op ->
                op.setAcquire(AcquireOp.newBuilder().setPath("/l").setMode(X).setWaitMillis(1_000)),
            ErrorCode.ERROR_CODE_RESOURCE_EXHAUSTED,
            ErrorReason.ERROR_REASON_LIMIT_REACHED);
    assertTrue(r.getError().getMessage().contains("maxWaitersPerLock=1"));
  }

  @Test
  void waitEndsAtItsDeadlineWithATimedOutEvent() {
    h.lock(a, "/l", X);
    NamespaceResult queued = ok(h.acquire(b, "/l", X, 500));
    assertEquals(h.nowMillis + 500, queued.getAcquire().getQueued().getDeadlineMillis());
    assertEquals(OptionalLong.of(h.nowMillis + 500), h.ns.nextTimerMillis());

    h.advance(499);
    h.tick();
    assertEquals(1, h.ns.getLockInfo("/l").getLock().getWaitersCount());
    h.advance(1);
    ok(h.tick());
    assertEquals(0, h.ns.getLockInfo("/l").getLock().getWaitersCount());
    Event e = last(b);
    assertEquals(EventType.EVENT_TYPE_LOCK_WAIT_TIMED_OUT, e.getType());
    assertEquals(h.lastSequence(b), e.getRequestSequence());
    assertEquals(h.ns.appliedIndex(), e.getIndex());
    assertEquals(OptionalLong.empty(), h.ns.nextTimerMillis());
    ok(h.release(a, "/l"));
    assertEquals(
        0,
        h.ns.getLockInfo("/l").getLock().getHoldersCount(),
        "the timed-out waiter is not granted");
  }

  @Test
  void anyLaterCommandTimesOutWaitsBeforeItApplies() {
    h.lock(a, "/l", X);
    ok(h.acquire(b, "/l", X, 500));
    ok(h.acquire(c, "/l", S, 5_000));
    h.advance(600);
    ok(h.release(a, "/l"));
    LockInfo info = h.ns.getLockInfo("/l").getLock();
    assertEquals(c, info.getHolders(0).getSessionId(), "b timed out first, so c is next");
  }

  @Test
  void waitIsClampedToTheMaximum() {
    h.lock(a, "/l", X);
    NamespaceResult r = ok(h.acquire(b, "/l", X, -1L));
    assertEquals(
        h.nowMillis + h.ns.limits().maxWaitMillis(),
        r.getAcquire().getQueued().getDeadlineMillis());
  }

  @Test
  void conflictEventGoesToHoldersWhenTheQueueStarts() {
    h.lock(a, "/l", S);
    h.lock(c, "/l", S);
    ok(h.acquire(b, "/l", X, 1_000));
    Event e = last(a);
    assertEquals(EventType.EVENT_TYPE_LOCK_CONFLICT, e.getType());
    assertEquals(b, e.getSessionId());
    assertEquals(EventType.EVENT_TYPE_LOCK_CONFLICT, last(c).getType());
  }

  @Test
  void lockInfoShowsGenerationWaitersAndDelay() {
    Sequencer s = h.lock(a, "/l", X);
    h.advance(10);
    ok(h.acquire(b, "/l", S, 2_000));
    LockInfo info = h.ns.getLockInfo("/l").getLock();
    assertEquals(s.getLockGeneration(), info.getLockGeneration());
    assertEquals(s.getInstance(), info.getInstance());
    assertEquals(X, info.getMode());
    assertEquals("b", info.getWaiters(0).getClientName());
    assertEquals(h.nowMillis, info.getWaiters(0).getEnqueuedMillis());
    assertEquals(h.nowMillis + 2_000, info.getWaiters(0).getDeadlineMillis());
    assertEquals(10_000, info.getLockDelayMillis());
    assertEquals(0, info.getLockDelayRemainingMillis());
    assertRefused(
        () -> h.ns.getLockInfo("/missing"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
  }

  @Test
  void checkSequencerRefusesStaleAndForgedOnes() {
    Sequencer s = h.lock(a, "/l", X);
    h.ns.checkSequencer(s);
    invalid(s.toBuilder().setLockGeneration(s.getLockGeneration() + 1).build());
    invalid(s.toBuilder().setInstance(s.getInstance() + 1).build());
    invalid(s.toBuilder().setMode(S).build());
    invalid(s.toBuilder().setSessionId(b).build());
    invalid(s.toBuilder().setPath("/other").build());
    assertRefused(
        () -> h.ns.checkSequencer(s.toBuilder().setPath("bad").build()),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
    assertRefused(
        () -> h.ns.checkSequencer(s.toBuilder().clearMode().build()),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);

    ok(h.release(a, "/l"));
    invalid(s);
    Sequencer next = h.lock(b, "/l", X);
    invalid(s);
    h.ns.checkSequencer(next);
  }

  @Test
  void sharedSequencersStayValidWhileTheirHolderHolds() {
    Sequencer first = h.lock(a, "/l", S);
    Sequencer second = h.lock(b, "/l", S);
    assertTrue(second.getLockGeneration() > first.getLockGeneration());
    h.ns.checkSequencer(first);
    h.ns.checkSequencer(second);
    ok(h.release(a, "/l"));
    invalid(first);
    h.ns.checkSequencer(second);
  }

  private void invalid(Sequencer s) {
    assertRefused(
        () -> h.ns.checkSequencer(s),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID);
  }

  private String acquireFails(
      long session,
      String path,
      LockMode mode,
      long waitMillis,
      ErrorCode code,
      ErrorReason reason) {
    return h.failsUnchanged(
            session,
            op ->
                op.setAcquire(
                    AcquireOp.newBuilder().setPath(path).setMode(mode).setWaitMillis(waitMillis)),
            code,
            reason)
        .getError()
        .getMessage();
  }

  private void releaseFails(long session, String path, ErrorCode code, ErrorReason reason) {
    h.failsUnchanged(
        session, op -> op.setRelease(ReleaseOp.newBuilder().setPath(path)), code, reason);
  }

  private Event last(long session) {
    List<Event> events = h.ns.eventsSince(session, 0);
    assertFalse(events.isEmpty(), "no events for session " + session);
    return events.get(events.size() - 1);
  }
}
