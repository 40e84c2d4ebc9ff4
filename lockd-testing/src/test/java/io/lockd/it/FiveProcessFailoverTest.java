package io.lockd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.SetContentsRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five real {@code lockd} processes (separate JVMs) on 127.0.0.1. Sessions hold locks and others
 * wait for them; the leader is killed with SIGKILL. Within the grace period every session finds the
 * new leader and survives, the same sessions hold the locks, the waiters are granted in FIFO order
 * as the holders release, and every write acknowledged before the kill is there. The killed replica
 * then restarts on its data, far enough behind that it must be sent a snapshot, and ends with the
 * same applied slot and state checksum as the others.
 *
 * <p>Prints {@code FAILOVER gap_ms=<n>}: from the SIGKILL to the first acknowledged write. A
 * figure, never an assertion (docs/benchmarks.md has measured ones).
 */
@Timeout(value = 110, unit = TimeUnit.SECONDS)
class FiveProcessFailoverTest {
  private static final int SNAPSHOT_EVERY = 16;
  private static final long SESSION_LEASE_MILLIS = 4_000;
  private static final long GRACE_MILLIS = 10_000;
  private static final int FILES_BEFORE_KILL = 40;
  private static final int FILES_WHILE_DOWN = 4 * SNAPSHOT_EVERY;
  private static final long CALL_MILLIS = 20_000;
  private static final long ATTEMPT_MILLIS = 2_000;
  private static final long START_MILLIS = 60_000;
  private static final long CONVERGE_MILLIS = 30_000;
  private static final Pattern INSTALLED =
      Pattern.compile("snapshot at slot (\\d+) \\(\\d+ bytes\\) installed from a peer");

  @TempDir Path dir;

  private LockdProcesses cell;
  private CellClient client;
  private CellSessions sessions;

  @AfterEach
  void stopEverything() {
    if (sessions != null) {
      sessions.close();
    }
    if (client != null) {
      client.close();
    }
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void leaderKilledWhileLocksAreHeldAndWaitedFor() throws Exception {
    cell =
        new LockdProcesses(
            5,
            dir,
            LockdProcesses.fromTestClasspath(
                List.of("-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")),
            List.of(
                "--grace-ms",
                Long.toString(GRACE_MILLIS),
                "--session-lease-ms",
                Long.toString(SESSION_LEASE_MILLIS),
                "--session-lease-min-ms",
                "500",
                "--lock-delay-ms",
                "0",
                "--snapshot-every",
                Integer.toString(SNAPSHOT_EVERY)));
    cell.startAll();
    client = new CellClient(cell.clientAddresses());
    sessions = new CellSessions(client, SESSION_LEASE_MILLIS, ATTEMPT_MILLIS, CALL_MILLIS, 300_000);
    client.call(
        ch -> nodes(ch).getStat(GetStatRequest.newBuilder().setPath("/").build()), START_MILLIS);

    // Sessions: a writer, two holders, four waiters; each kept alive by its own stream.
    SessionKeeper writer = sessions.open("writer");
    SessionKeeper holderA = sessions.open("holder-a");
    SessionKeeper holderB = sessions.open("holder-b");
    List<SessionKeeper> waitersA =
        List.of(sessions.open("waiter-a1"), sessions.open("waiter-a2"), sessions.open("waiter-a3"));
    SessionKeeper waiterB = sessions.open("waiter-b1");
    create(writer, "/it", NodeKind.NODE_KIND_DIRECTORY, "");
    create(writer, "/it/data", NodeKind.NODE_KIND_DIRECTORY, "");
    create(writer, "/it/lock-a", NodeKind.NODE_KIND_FILE, "");
    create(writer, "/it/lock-b", NodeKind.NODE_KIND_FILE, "");

    long generationA = acquire(holderA, "/it/lock-a", 0).getGranted().getLockGeneration();
    long generationB = acquire(holderB, "/it/lock-b", 0).getGranted().getLockGeneration();
    Map<SessionKeeper, Long> acquireSequence = new HashMap<>();
    for (int i = 0; i < waitersA.size(); i++) {
      AcquireResponse queued = acquire(waitersA.get(i), "/it/lock-a", 60_000);
      assertTrue(queued.hasQueued(), queued.toString());
      assertEquals(i, queued.getQueued().getWaitersAhead());
      acquireSequence.put(waitersA.get(i), sessions.lastSequence(waitersA.get(i)));
    }
    assertTrue(acquire(waiterB, "/it/lock-b", 60_000).hasQueued());
    acquireSequence.put(waiterB, sessions.lastSequence(waiterB));

    for (int i = 0; i < FILES_BEFORE_KILL; i++) {
      create(writer, file(i), NodeKind.NODE_KIND_FILE, contents(i));
    }

    // Kill the leader (SIGKILL of its pid), then write until a write is acknowledged again.
    int leaderId = confirmedLeader();
    long appliedAtKill = client.selfStatuses(ATTEMPT_MILLIS).get(leaderId).getAppliedSlot();
    long killStart = System.nanoTime();
    cell.kill(leaderId);
    long killed = System.nanoTime();
    SetContentsRequest probe =
        SetContentsRequest.newBuilder()
            .setHeader(sessions.header(writer))
            .setPath(file(0))
            .setContents(ByteString.copyFromUtf8("after the kill"))
            .build();
    client.call(
        ch -> nodes(ch).withDeadlineAfter(1_000, TimeUnit.MILLISECONDS).setContents(probe),
        CALL_MILLIS);
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killStart);
    System.out.println("FAILOVER gap_ms=" + gapMillis);

    // Within the grace period every session's KeepAlive reaches the new leader.
    long keepAliveMillis = 0;
    for (SessionKeeper k : sessions.all()) {
      assertTrue(
          k.awaitResponseAfter(killed, GRACE_MILLIS),
          "session " + k.sessionId + " found no leader within the grace period");
      keepAliveMillis =
          Math.max(
              keepAliveMillis, TimeUnit.NANOSECONDS.toMillis(k.lastResponseNanos() - killStart));
    }
    int newLeader = confirmedLeader();
    System.out.printf(
        "failover: killed replica %d (applied slot %d), replica %d leads; write "
            + "acknowledged after %d ms, every KeepAlive answered within %d ms%n",
        leaderId, appliedAtKill, newLeader, gapMillis, keepAliveMillis);
    assertFalse(newLeader == leaderId);

    // The same sessions, the same holders, the same queues; every acknowledged write is there.
    Set<Long> alive = listSessions();
    for (SessionKeeper k : sessions.all()) {
      assertFalse(k.expired(), "session " + k.sessionId + " expired");
      assertTrue(alive.contains(k.sessionId), "session " + k.sessionId + " is gone: " + alive);
    }
    assertLock("/it/lock-a", holderA, waitersA);
    assertLock("/it/lock-b", holderB, List.of(waiterB));
    for (int i = 1; i < FILES_BEFORE_KILL; i++) {
      assertEquals(contents(i), read(file(i)), file(i));
    }
    assertEquals("after the kill", read(file(0)));

    // Holders release; waiters are granted one by one in the order they queued.
    long previous = generationA;
    SessionKeeper holder = holderA;
    for (int i = 0; i < waitersA.size(); i++) {
      SessionKeeper next = waitersA.get(i);
      release(holder, "/it/lock-a");
      Event grant = awaitGrant(next, "/it/lock-a");
      assertEquals(acquireSequence.get(next), grant.getRequestSequence());
      assertTrue(grant.getSequencer().getLockGeneration() > previous);
      previous = grant.getSequencer().getLockGeneration();
      for (SessionKeeper later : waitersA.subList(i + 1, waitersA.size())) {
        assertNull(grantOf(later, "/it/lock-a"), "a later waiter was granted out of order");
      }
      assertLock("/it/lock-a", next, waitersA.subList(i + 1, waitersA.size()));
      holder = next;
    }
    release(holderB, "/it/lock-b");
    assertTrue(awaitGrant(waiterB, "/it/lock-b").getSequencer().getLockGeneration() > generationB);
    assertLock("/it/lock-b", waiterB, List.of());

    // While the killed replica is down, the others move on past several snapshots (which
    // truncate their logs), so that it must catch up by snapshot.
    for (int i = FILES_BEFORE_KILL; i < FILES_BEFORE_KILL + FILES_WHILE_DOWN; i++) {
      create(writer, file(i), NodeKind.NODE_KIND_FILE, contents(i));
    }
    cell.start(leaderId);
    Map<Integer, ReplicaStatus> converged = awaitConverged();
    long installedAt = installedSnapshot(leaderId);
    assertTrue(
        installedAt > appliedAtKill,
        "the restarted replica installed a snapshot at slot "
            + installedAt
            + ", not past its applied slot "
            + appliedAtKill);
    System.out.printf(
        "restart: replica %d installed a snapshot at slot %d and caught up; all "
            + "five at applied slot %d, state checksum %x%n",
        leaderId,
        installedAt,
        converged.get(leaderId).getAppliedSlot(),
        converged.get(leaderId).getStateChecksum());

    for (SessionKeeper k : sessions.all()) {
      assertFalse(k.expired(), "session " + k.sessionId + " expired");
      assertEquals(0, k.repeated(), "session " + k.sessionId + " got events twice");
    }
  }

  // ---- the cell --------------------------------------------------------------------------------

  private int confirmedLeader() throws InterruptedException {
    return client.awaitLeaderId(CALL_MILLIS);
  }

  /** Waits (bounded) until all five report one applied slot; then they must share a checksum. */
  private Map<Integer, ReplicaStatus> awaitConverged() throws InterruptedException {
    Map<Integer, ReplicaStatus> statuses =
        client.awaitSameAppliedSlot(cell.size(), CONVERGE_MILLIS);
    assertEquals(
        1,
        statuses.values().stream().map(ReplicaStatus::getStateChecksum).distinct().count(),
        "equal applied slots, different states: " + statuses);
    return statuses;
  }

  /** The slot of the snapshot the replica logged as installed from a peer. */
  private long installedSnapshot(int id) throws Exception {
    Matcher m = INSTALLED.matcher(Files.readString(cell.log(id)));
    long slot = -1;
    while (m.find()) {
      slot = Long.parseLong(m.group(1));
    }
    assertTrue(
        slot > 0,
        () ->
            "replica " + id + " did not install a snapshot; log tail:\n" + cell.logTail(id, 4_000));
    return slot;
  }

  // ---- sessions and requests -------------------------------------------------------------------

  private static NodeGrpc.NodeBlockingStub nodes(Channel ch) {
    return NodeGrpc.newBlockingStub(ch).withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static LockGrpc.LockBlockingStub locks(Channel ch) {
    return LockGrpc.newBlockingStub(ch).withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void create(SessionKeeper s, String path, NodeKind kind, String text)
      throws InterruptedException {
    CreateNodeRequest r =
        CreateNodeRequest.newBuilder()
            .setHeader(sessions.header(s))
            .setPath(path)
            .setKind(kind)
            .setContents(ByteString.copyFromUtf8(text))
            .build();
    client.call(ch -> nodes(ch).create(r), CALL_MILLIS);
  }

  private String read(String path) throws InterruptedException {
    GetContentsAndStatRequest r = GetContentsAndStatRequest.newBuilder().setPath(path).build();
    return client
        .call(ch -> nodes(ch).getContentsAndStat(r), CALL_MILLIS)
        .getContents()
        .toString(StandardCharsets.UTF_8);
  }

  private AcquireResponse acquire(SessionKeeper s, String path, long waitMillis)
      throws InterruptedException {
    AcquireRequest r =
        AcquireRequest.newBuilder()
            .setHeader(sessions.header(s))
            .setPath(path)
            .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
            .setWaitMillis(waitMillis)
            .build();
    return client.call(ch -> locks(ch).acquire(r), CALL_MILLIS);
  }

  private void release(SessionKeeper s, String path) throws InterruptedException {
    ReleaseRequest r =
        ReleaseRequest.newBuilder().setHeader(sessions.header(s)).setPath(path).build();
    assertFalse(client.call(ch -> locks(ch).release(r), CALL_MILLIS).getWasWaiting());
  }

  private LockInfo lockInfo(String path) throws InterruptedException {
    GetLockInfoRequest r = GetLockInfoRequest.newBuilder().setPath(path).build();
    return client.call(ch -> locks(ch).getLockInfo(r), CALL_MILLIS).getLock();
  }

  private Set<Long> listSessions() throws InterruptedException {
    return client
        .call(
            ch ->
                ClusterGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                    .listSessions(ListSessionsRequest.getDefaultInstance()),
            CALL_MILLIS)
        .getSessionsList()
        .stream()
        .map(SessionInfo::getSessionId)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private void assertLock(String path, SessionKeeper holder, List<SessionKeeper> waiters)
      throws InterruptedException {
    LockInfo info = lockInfo(path);
    assertEquals(
        List.of(holder.sessionId),
        info.getHoldersList().stream().map(LockHolder::getSessionId).toList(),
        path + ": " + info);
    assertEquals(
        waiters.stream().map(w -> w.sessionId).toList(),
        info.getWaitersList().stream().map(LockWaiter::getSessionId).toList(),
        path + ": " + info);
  }

  private static Event awaitGrant(SessionKeeper s, String path) throws InterruptedException {
    Event grant = s.awaitEvent(e -> isGrant(e, path), CALL_MILLIS);
    assertNotNull(
        grant, "session " + s.sessionId + " was not granted " + path + "; events " + s.events());
    return grant;
  }

  private static Event grantOf(SessionKeeper s, String path) {
    return s.events().stream().filter(e -> isGrant(e, path)).findFirst().orElse(null);
  }

  private static boolean isGrant(Event e, String path) {
    return e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED
        && e.getSequencer().getPath().equals(path);
  }

  private static String file(int i) {
    return String.format("/it/data/f%03d", i);
  }

  private static String contents(int i) {
    return "contents of file " + i;
  }
}
