package io.lockd.namespace;

import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Command;
import io.lockd.paxos.MembershipSnapshot;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.WatchKind;
import io.lockd.replica.StateMachine;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotTest {
  private static final int COMMANDS = 3_000;
  private static final int RESTORE_EVERY = 200;

  @Test
  void emptyNamespaceSnapshotsIdentically() {
    Namespace ns = new Namespace();
    byte[] snap = ns.snapshot();
    Namespace other = new Namespace();
    other.restore(snap);
    assertArrayEquals(snap, other.snapshot());
    assertArrayEquals(snap, new Namespace().snapshot());
  }

  @Test
  void busyStateRoundTripsAndBehavesTheSameAfterRestore() {
    Harness h = busyState();
    byte[] snap = h.ns.snapshot();
    Harness twin = new Harness();
    twin.ns.restore(snap);
    assertArrayEquals(snap, twin.ns.snapshot());
    assertEquals(h.ns.stateChecksum(), twin.ns.stateChecksum());
    assertEquals(h.ns.nextTimerMillis(), twin.ns.nextTimerMillis());

    // Timers, queues and indexes survived: the same later commands give the same answers.
    long later = h.nowMillis + 20_000;
    for (Harness x : new Harness[] {h, twin}) {
      x.slot = 1_000;
      x.nowMillis = later;
    }
    assertArrayEquals(h.applyRaw(tick(h)), twin.applyRaw(tick(twin)));
    assertArrayEquals(h.ns.snapshot(), twin.ns.snapshot());
    LockInfo info = twin.ns.getLockInfo("/l").getLock();
    assertEquals(1, info.getHoldersCount(), "the queued waiter was granted after the restore");
  }

  /**
   * The snapshot is written record by record, not built as one message; its bytes must still be
   * protobuf's own serialization of the message, or replicas of two versions would disagree on
   * every state checksum.
   */
  @Test
  void theSnapshotIsProtobufsOwnSerializationOfTheState() throws Exception {
    Harness h = busyState();
    long a = h.session("acl-owner", 0);
    ok(setAcl(h, a, "/d", "anyone:rwla acl-owner:rwla"));
    byte[] snap = h.ns.snapshot();
    io.lockd.proto.ns.v1.Snapshot parsed = io.lockd.proto.ns.v1.Snapshot.parseFrom(snap);
    assertTrue(parsed.getNodesCount() > 3 && parsed.getLocksCount() > 0, "a busy state");
    assertTrue(parsed.getSessionsCount() > 0, "a busy state");
    assertArrayEquals(parsed.toByteArray(), snap);
  }

  /**
   * A snapshot is encoded beside the replica's loop while the loop goes on applying commands: what
   * the capture encodes must be the state at the capture, byte for byte, whatever changed since.
   */
  @Test
  void aCaptureEncodesTheStateAsItWasWhateverChangesAfter() {
    Harness h = busyState();
    long a = h.session("later", 0);
    ok(setAcl(h, a, "/d", "anyone:rwla later:rwla"));
    byte[] then = h.ns.snapshot();
    StateMachine.Image capture = h.ns.capture();

    ok(h.set(a, "/d/f", "changed"));
    ok(setAcl(h, a, "/d", "anyone:rwla"));
    ok(h.delete(a, "/gone"));
    h.file(a, "/new", "n");
    h.dir(a, "/d/sub");
    h.lock(a, "/d/f", LockMode.LOCK_MODE_EXCLUSIVE);
    ok(h.close(a));
    assertNotEquals(h.ns.stateChecksum(), Checksums.state(then), "the state did change");

    assertTrue(capture.copyMore(), "a small state is copied in one step, even after the changes");
    assertArrayEquals(then, capture.encode());
  }

  /**
   * A large state is copied a few nodes per loop turn, with commands applied between the steps:
   * nodes created, changed, locked and deleted on both sides of the copy's walk must still come out
   * as they were at the capture, and a capture must not be encoded before its copy is whole.
   */
  @Test
  void aCaptureCopiedInStepsIsTheStateAtTheCaptureWhateverChangesBetweenSteps() {
    Harness h = busyState();
    long a = h.session("later", 0);
    ok(setAcl(h, a, "/d", "anyone:rwla later:rwla"));
    h.dir(a, "/m");
    for (int i = 0; i < 20; i++) {
      h.file(a, "/m/" + i, "more nodes than changes");
    }
    byte[] then = h.ns.snapshot();
    StateMachine.Image capture = h.ns.capture(1);
    assertThrows(IllegalStateException.class, capture::encode, "not whole yet");

    List<Runnable> changes =
        List.of(
            () -> h.file(a, "/zz-new", "n"), // ahead of the walk
            () -> ok(h.set(a, "/d/f", "changed")),
            () -> ok(setAcl(h, a, "/d", "anyone:rwla")),
            () -> h.file(a, "/0-new", "behind the walk"),
            () -> ok(h.delete(a, "/gone")),
            () -> h.dir(a, "/d/sub"),
            () -> h.lock(a, "/d/f", LockMode.LOCK_MODE_EXCLUSIVE),
            () -> ok(h.close(a)));
    int steps = 0;
    for (Runnable change : changes) {
      change.run();
      steps++;
      if (capture.copyMore()) {
        break;
      }
    }
    while (!capture.copyMore()) {
      steps++;
    }
    assertTrue(steps >= changes.size(), "the changes fell between steps: " + steps);
    assertNotEquals(h.ns.stateChecksum(), Checksums.state(then), "the state did change");
    assertArrayEquals(then, capture.encode());
  }

  /**
   * Captures copied in steps of one node, several under way at once, over a random stream of every
   * operation: each must encode exactly the snapshot taken at its own moment.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4})
  void capturesCopiedInStepsKeepTheirMomentOverARandomStream(long seed) {
    Namespace ns = new Namespace();
    RandomCommands commands = new RandomCommands(seed);
    Map<StateMachine.Image, byte[]> underWay = new LinkedHashMap<>();
    int checked = 0;
    for (int i = 1; i <= COMMANDS; i++) {
      ns.apply(i / 3 + 1, new Command(i, commands.next(ns)));
      if (i % 4 == 0) {
        underWay.put(ns.capture(1), ns.snapshot());
      }
      for (Iterator<Map.Entry<StateMachine.Image, byte[]>> it = underWay.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<StateMachine.Image, byte[]> c = it.next();
        if (c.getKey().copyMore()) {
          assertArrayEquals(c.getValue(), c.getKey().encode(), () -> "seed " + seed);
          byte[] configurations = {1, 2, 3};
          assertArrayEquals(
              MembershipSnapshot.wrap(configurations, c.getValue()),
              c.getKey().encodeAfter(MembershipSnapshot.header(configurations)).toArray(),
              "encoded straight into the stored form");
          it.remove();
          checked++;
        }
      }
    }
    assertTrue(checked > COMMANDS / 8, "captures completed: " + checked);
  }

  @Test
  void restoreRefusesDamageAndOtherLimitsAndKeepsItsState() {
    Harness h = busyState();
    byte[] snap = h.ns.snapshot();
    Namespace other = new Namespace(NamespaceLimits.builder().maxNodes(10).build());
    byte[] before = other.snapshot();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.restore(snap));
    assertTrue(e.getMessage().contains("other limits"), e.getMessage());
    assertThrows(
        IllegalStateException.class, () -> other.restore(Arrays.copyOf(snap, snap.length / 2)));
    assertThrows(IllegalStateException.class, () -> other.restore(new byte[] {1, 2, 3}));
    assertArrayEquals(before, other.snapshot());
  }

  @Test
  void checksumTellsStatesApart() {
    Harness a = new Harness();
    Harness b = new Harness();
    assertEquals(a.ns.stateChecksum(), b.ns.stateChecksum());
    a.session();
    assertNotEquals(a.ns.stateChecksum(), b.ns.stateChecksum());
  }

  /**
   * Two replicas apply the same long random stream and must answer byte for byte alike; a third is
   * restored from the first's snapshot every few hundred commands and must keep up too.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void replicasAgreeOnALongRandomStream(long seed) {
    Namespace a = new Namespace();
    Namespace b = new Namespace();
    Namespace restored = new Namespace();
    RandomCommands commands = new RandomCommands(seed);
    long lastGeneration = 0;
    int granted = 0;
    for (int i = 1; i <= COMMANDS; i++) {
      byte[] payload = commands.next(a);
      long slot = i / 3 + 1; // several commands per slot
      byte[] ra = a.apply(slot, new Command(i, payload));
      assertArrayEquals(
          ra, b.apply(slot, new Command(i, payload)), () -> "seed " + seed + ": replicas diverged");
      assertArrayEquals(
          ra,
          restored.apply(slot, new Command(i, payload)),
          () -> "seed " + seed + ": restored replica diverged");
      NamespaceResult r = Harness.decode(ra);
      assertTrue(r.getIndex() <= i, "indexes never run ahead of the count");
      boolean fresh = r.getIndex() == i; // not an answer remembered for a retry
      if (fresh && r.hasAcquire() && r.getAcquire().hasGranted()) {
        long g = r.getAcquire().getGranted().getLockGeneration();
        assertTrue(g > lastGeneration, "generations only grow");
        lastGeneration = g;
        granted++;
      }
      if (i % RESTORE_EVERY == 0) {
        byte[] snap = a.snapshot();
        restored.restore(snap);
        assertArrayEquals(
            snap,
            restored.snapshot(),
            () -> "seed " + seed + ": snapshot, restore, snapshot differs");
        checkInvariants(a);
      }
    }
    assertArrayEquals(a.snapshot(), b.snapshot());
    assertEquals(COMMANDS, a.appliedIndex());
    assertTrue(granted > 20, "the stream exercised locks: " + granted + " grants");
  }

  /** Cross-checks the tables through the public queries. */
  private static void checkInvariants(Namespace ns) {
    for (SessionInfo s : ns.listSessions().getSessionsList()) {
      for (String path : s.getHeldLocksList()) {
        LockInfo info = ns.getLockInfo(path).getLock();
        assertTrue(
            info.getHoldersList().stream().anyMatch(h -> h.getSessionId() == s.getSessionId()));
        if (info.getMode() == LockMode.LOCK_MODE_EXCLUSIVE) {
          assertEquals(1, info.getHoldersCount(), "one exclusive holder");
        }
        assertTrue(
            info.getWaitersCount() == 0
                || info.getLockDelayRemainingMillis() > 0
                || !grantable(info),
            "no grantable waiter left queued");
      }
      long lastIndex = 0;
      for (Event e : ns.eventsSince(s.getSessionId(), 0)) {
        assertTrue(e.getIndex() >= lastIndex, "events in index order");
        assertTrue(e.getType() == EventType.EVENT_TYPE_RESYNC || e.getIndex() <= ns.appliedIndex());
        lastIndex = e.getIndex();
      }
    }
  }

  private static boolean grantable(LockInfo info) {
    LockMode head = info.getWaiters(0).getMode();
    return info.getHoldersCount() == 0
        || (head == LockMode.LOCK_MODE_SHARED && info.getMode() == LockMode.LOCK_MODE_SHARED);
  }

  /** Nodes, ephemerals, holders, a queue with a deadline, a lock-delay, watches and events. */
  private static NamespaceResult setAcl(Harness h, long session, String path, String acl) {
    return h.client(
        session,
        b ->
            b.setSetAcl(
                io.lockd.proto.ns.v1.SetAclOp.newBuilder().setPath(path).setAcl(AclTest.acl(acl))));
  }

  private static Harness busyState() {
    Harness h = new Harness();
    long a = h.session("a", 0);
    long b = h.session("b", 1_000);
    long c = h.session("c", 0);
    h.dir(a, "/d");
    h.file(a, "/d/f", "contents");
    h.ephemeral(b, "/d/e");
    h.file(a, "/l", "");
    h.file(a, "/gone", "");
    ok(h.watch(c, "/d", WatchKind.WATCH_KIND_CHILDREN));
    ok(h.watch(c, "/l", WatchKind.WATCH_KIND_LOCK));
    h.lock(a, "/l", LockMode.LOCK_MODE_EXCLUSIVE);
    ok(h.acquire(c, "/l", LockMode.LOCK_MODE_EXCLUSIVE, 30_000));
    h.lock(b, "/gone", LockMode.LOCK_MODE_SHARED);
    h.advance(1_000);
    ok(h.expire(b));
    ok(h.release(a, "/l"));
    ok(h.acquire(a, "/l", LockMode.LOCK_MODE_SHARED, 25_000));
    return h;
  }

  private static byte[] tick(Harness h) {
    return io.lockd.proto.ns.v1.NamespaceCommand.newBuilder()
        .setHeader(h.header(0, 0))
        .setTick(io.lockd.proto.ns.v1.TickOp.getDefaultInstance())
        .build()
        .toByteArray();
  }
}
