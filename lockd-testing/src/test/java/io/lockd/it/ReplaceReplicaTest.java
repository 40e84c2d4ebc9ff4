package io.lockd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.ListMembersRequest;
import io.lockd.proto.v1.ListMembersResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.Member;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.PromoteMemberRequest;
import io.lockd.proto.v1.RemoveMemberRequest;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.SaveSnapshotRequest;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.WatchGrpc;
import io.lockd.proto.v1.WatchKind;
import io.lockd.proto.v1.WatchRequest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's membership procedures on five real {@code lockd} processes (docs/operations.md,
 * "Replace a dead replica, move a cell"), while sessions hold a lock, wait for it and watch a file:
 *
 * <ol>
 *   <li>a follower is killed (SIGKILL) and replaced: replica 6 is added as a learner, started with
 *       {@code lockd --join} on a new data directory and new ports, promoted once caught up, and
 *       the dead replica is removed;
 *   <li>the leader is removed: another replica is elected and the clients go on;
 *   <li>a backup is taken ({@code SaveSnapshot}), restored ({@code lockd restore}) into a fresh
 *       three-replica cell, whose replicas report the backup's state checksum.
 * </ol>
 *
 * No session expires, and every write acknowledged is still there at each step. Waits are bounded
 * and generous (a busy two-core machine); nothing is timed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplaceReplicaTest {
  private static final long SESSION_LEASE_MILLIS = 6_000;
  private static final long GRACE_MILLIS = 15_000;
  private static final long CALL_MILLIS = 30_000;
  private static final long ATTEMPT_MILLIS = 3_000;
  private static final long START_MILLIS = 90_000;
  private static final long CHANGE_MILLIS = 120_000;
  private static final int NEW_ID = 6;
  private static final List<String> JVM =
      List.of("-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  @TempDir Path dir;

  private LockdProcesses cell;
  private LockdProcesses restored;
  private CellClient client;
  private CellSessions sessions;
  private final Map<String, String> acknowledged = new TreeMap<>();

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
    if (restored != null) {
      restored.close();
    }
  }

  @Test
  void replaceADeadReplicaRemoveTheLeaderAndRestoreABackup() throws Exception {
    cell =
        new LockdProcesses(5, dir.resolve("cell"), LockdProcesses.fromTestClasspath(JVM), flags());
    cell.startAll();
    // Replica 6's ports are chosen now, so that the test's client can follow a redirect to it
    // (it may lead later); it starts only once the cell added it.
    cell.newMember(NEW_ID);
    client = new CellClient(cell.clientAddresses());
    sessions = new CellSessions(client, SESSION_LEASE_MILLIS, ATTEMPT_MILLIS, CALL_MILLIS, 600_000);
    int leader = client.awaitLeaderId(START_MILLIS);

    SessionKeeper writer = sessions.open("writer");
    SessionKeeper holder = sessions.open("holder");
    SessionKeeper waiter = sessions.open("waiter");
    SessionKeeper watcher = sessions.open("watcher");
    create(writer, "/app", NodeKind.NODE_KIND_DIRECTORY, "");
    create(writer, "/app/lock", NodeKind.NODE_KIND_FILE, "");
    create(writer, "/app/watched", NodeKind.NODE_KIND_FILE, "v0");
    assertTrue(acquire(holder, "/app/lock", 0).hasGranted());
    assertTrue(acquire(waiter, "/app/lock", 600_000).hasQueued());
    watch(watcher, "/app/watched");
    writeFiles(writer, 0, 10);

    // 1. Replace a dead follower by replica 6 on a new data directory and new ports.
    int dead = leader == 5 ? 4 : 5;
    cell.kill(dead);
    writeFiles(writer, 10, 20);
    change(
        c ->
            c.addMember(
                AddMemberRequest.newBuilder()
                    .setId(NEW_ID)
                    .setPeerAddress(cell.peerAddress(NEW_ID))
                    .setClientAddress(cell.clientAddresses().get(NEW_ID))
                    .build()));
    List<Integer> alive = new ArrayList<>(List.of(1, 2, 3, 4, 5));
    alive.remove(Integer.valueOf(dead));
    cell.startJoining(NEW_ID, alive);
    writeFiles(writer, 20, 30);
    change(c -> c.promoteMember(PromoteMemberRequest.newBuilder().setId(NEW_ID).build()));
    change(c -> c.removeMember(RemoveMemberRequest.newBuilder().setId(dead).build()));
    ListMembersResponse afterReplace = members();
    assertEquals(voters(alive, NEW_ID), voterIds(afterReplace), afterReplace.toString());
    setContents(writer, "/app/watched", "v1");
    assertNotNull(awaitChange(watcher, "/app/watched"), "the watcher saw the change");
    writeFiles(writer, 30, 40);
    assertEverythingKept(holder, waiter);
    Map<Integer, ReplicaStatus> five = awaitConverged(alive, NEW_ID);
    System.out.printf(
        "replace: replica %d replaced by %d; five at applied slot %d, state checksum %x%n",
        dead, NEW_ID, five.get(NEW_ID).getAppliedSlot(), five.get(NEW_ID).getStateChecksum());

    // 2. Remove the leader: another is elected, the clients go on.
    leader = client.awaitLeaderId(CALL_MILLIS);
    int removedLeader = leader;
    long removing = System.nanoTime();
    change(c -> c.removeMember(RemoveMemberRequest.newBuilder().setId(removedLeader).build()));
    // The election after the leader's removal is a failover: wait for it (bounded, generous: a
    // busy machine), then write; how long it took is printed, never asserted.
    int next = client.awaitLeaderId(CHANGE_MILLIS);
    for (int i = 0; i < 600 && next == removedLeader; i++) {
      Thread.sleep(100);
      next = client.awaitLeaderId(CHANGE_MILLIS);
    }
    assertNotEquals(removedLeader, next, "a removed leader does not lead");
    long electedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - removing);
    writeFiles(writer, 40, 50);
    cell.stop(removedLeader);
    alive.remove(Integer.valueOf(removedLeader));
    writeFiles(writer, 50, 60);
    setContents(writer, "/app/watched", "v2");
    assertNotNull(awaitChange(watcher, "/app/watched"), "the watcher saw the change");
    assertEquals(voters(alive, NEW_ID), voterIds(members()));
    assertEverythingKept(holder, waiter);
    System.out.printf(
        "remove leader: replica %d removed, replica %d leads (%d ms from the removal request)%n",
        removedLeader, next, electedMillis);

    // 3. Back up, restore into a fresh three-replica cell, compare state checksums.
    Path backup = dir.resolve("cell.snap");
    SnapshotHeaderInfo saved = saveSnapshot(backup);
    restored =
        new LockdProcesses(
            3, dir.resolve("restored"), LockdProcesses.fromTestClasspath(JVM), flags());
    for (int id = 1; id <= 3; id++) {
      restore(backup, dir.resolve("restored").resolve("r" + id).resolve("data"));
    }
    // Alone, a restored replica elects nobody and applies nothing: it shows the backup's state.
    for (int id = 1; id <= 3; id++) {
      restored.start(id);
      assertEquals(saved.checksum(), awaitOwnChecksum(restored, id), "restored replica " + id);
      restored.stop(id);
    }
    restored.startAll();
    try (CellClient fresh = new CellClient(restored.clientAddresses())) {
      fresh.awaitLeaderId(START_MILLIS);
      Map<Integer, ReplicaStatus> three = fresh.awaitSameAppliedSlot(3, CALL_MILLIS);
      assertEquals(
          1,
          three.values().stream().map(ReplicaStatus::getStateChecksum).distinct().count(),
          "the restored replicas differ: " + three);
      for (Map.Entry<String, String> e : acknowledged.entrySet()) {
        assertEquals(e.getValue(), read(fresh, e.getKey()), e.getKey());
      }
      System.out.printf(
          "restore: backup at slot %d, checksum %x, shown by each restored replica alone;"
              + " the three-replica cell agrees at slot %d%n",
          saved.slot(), saved.checksum(), three.get(1).getAppliedSlot());
    }
    for (SessionKeeper k : sessions.all()) {
      assertFalse(k.expired(), "session " + k.sessionId + " expired");
    }
  }

  private static List<String> flags() {
    return List.of(
        "--grace-ms",
        Long.toString(GRACE_MILLIS),
        "--session-lease-ms",
        Long.toString(SESSION_LEASE_MILLIS),
        "--lock-delay-ms",
        "0",
        "--snapshot-every",
        "16");
  }

  // ---- membership ------------------------------------------------------------------------------

  /**
   * One membership change, retried (bounded) while the previous one is not in force, the learner
   * has not caught up, or leadership moves.
   */
  private MemberChangeResponse change(
      Function<ClusterGrpc.ClusterBlockingStub, MemberChangeResponse> c)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHANGE_MILLIS);
    while (true) {
      try {
        return client.call(ch -> c.apply(cluster(ch)), CALL_MILLIS);
      } catch (StatusRuntimeException e) {
        String says = String.valueOf(e.getStatus().getDescription());
        boolean passing =
            e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                && (says.contains("in progress") || says.contains("not caught up"));
        if (!passing || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private ListMembersResponse members() throws InterruptedException {
    return client.call(
        ch -> cluster(ch).listMembers(ListMembersRequest.getDefaultInstance()), CALL_MILLIS);
  }

  private static List<Integer> voterIds(ListMembersResponse r) {
    return r.getMembersList().stream().filter(Member::getVoter).map(Member::getId).toList();
  }

  private static List<Integer> voters(List<Integer> alive, int added) {
    List<Integer> out = new ArrayList<>(alive);
    out.add(added);
    out.sort(null);
    return out;
  }

  private static ClusterGrpc.ClusterBlockingStub cluster(Channel ch) {
    return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Waits (bounded) until these replicas report one applied slot and one state checksum. */
  private Map<Integer, ReplicaStatus> awaitConverged(List<Integer> alive, int added)
      throws InterruptedException {
    Map<Integer, String> addresses = new TreeMap<>();
    for (int id : voters(alive, added)) {
      addresses.put(id, cell.clientAddresses().get(id));
    }
    try (CellClient members = new CellClient(addresses)) {
      Map<Integer, ReplicaStatus> s = members.awaitSameAppliedSlot(addresses.size(), CHANGE_MILLIS);
      assertEquals(
          1,
          s.values().stream().map(ReplicaStatus::getStateChecksum).distinct().count(),
          "equal applied slots, different states: " + s);
      return s;
    }
  }

  // ---- backup and restore ----------------------------------------------------------------------

  private record SnapshotHeaderInfo(long slot, long checksum) {}

  /** Saves the leader's SaveSnapshot stream as {@code lockctl snapshot save} writes it. */
  private SnapshotHeaderInfo saveSnapshot(Path file) throws Exception {
    List<SaveSnapshotResponse> parts =
        client.call(
            ch -> {
              List<SaveSnapshotResponse> out = new ArrayList<>();
              Iterator<SaveSnapshotResponse> it =
                  ClusterGrpc.newBlockingStub(ch)
                      .withDeadlineAfter(CALL_MILLIS, TimeUnit.MILLISECONDS)
                      .saveSnapshot(SaveSnapshotRequest.getDefaultInstance());
              it.forEachRemaining(out::add);
              return out;
            },
            CALL_MILLIS);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write("lockd-snapshot-v1\n".getBytes(StandardCharsets.US_ASCII));
      for (SaveSnapshotResponse p : parts) {
        p.writeDelimitedTo(out);
      }
    }
    return new SnapshotHeaderInfo(
        parts.get(0).getHeader().getSlot(), parts.get(0).getHeader().getStateChecksum());
  }

  /** Replica {@code id}'s own state checksum once it answers (bounded wait). */
  private static long awaitOwnChecksum(LockdProcesses cell, int id) throws InterruptedException {
    try (CellClient one = new CellClient(Map.of(id, cell.clientAddresses().get(id)))) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
      while (System.nanoTime() < deadline) {
        ReplicaStatus s = one.selfStatuses(1_000).get(id);
        // The checksum is taken beside the loop once the replica is idle: 0 until then.
        if (s != null && s.getAppliedSlot() > 0 && s.getStateChecksum() != 0) {
          return s.getStateChecksum();
        }
        Thread.sleep(200);
      }
    }
    throw new AssertionError(
        "restored replica " + id + " never answered: " + cell.logTail(id, 3_000));
  }

  /** Runs {@code lockd restore FILE --data-dir DIR} as its own process, bounded. */
  private static void restore(Path backup, Path dataDir) throws Exception {
    List<String> command = new ArrayList<>(LockdProcesses.fromTestClasspath(JVM));
    command.addAll(List.of("restore", backup.toString(), "--data-dir", dataDir.toString()));
    Path log = dataDir.getParent().resolve("restore.log");
    Files.createDirectories(dataDir.getParent());
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lockd restore did not finish in 60 s");
      assertEquals(0, p.exitValue(), "lockd restore failed: " + Files.readString(log));
    } finally {
      p.destroyForcibly();
    }
  }

  // ---- sessions and requests -------------------------------------------------------------------

  private void assertEverythingKept(SessionKeeper holder, SessionKeeper waiter)
      throws InterruptedException {
    for (SessionKeeper k : sessions.all()) {
      assertFalse(k.expired(), "session " + k.sessionId + " expired");
    }
    GetLockInfoRequest r = GetLockInfoRequest.newBuilder().setPath("/app/lock").build();
    var info = client.call(ch -> locks(ch).getLockInfo(r), CALL_MILLIS).getLock();
    assertEquals(
        List.of(holder.sessionId),
        info.getHoldersList().stream().map(LockHolder::getSessionId).toList(),
        info.toString());
    assertEquals(1, info.getWaitersCount(), info.toString());
    assertEquals(waiter.sessionId, info.getWaiters(0).getSessionId());
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      assertEquals(e.getValue(), read(client, e.getKey()), e.getKey());
    }
  }

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
    if (kind == NodeKind.NODE_KIND_FILE) {
      acknowledged.put(path, text);
    }
  }

  private void setContents(SessionKeeper s, String path, String text) throws InterruptedException {
    SetContentsRequest r =
        SetContentsRequest.newBuilder()
            .setHeader(sessions.header(s))
            .setPath(path)
            .setContents(ByteString.copyFromUtf8(text))
            .build();
    client.call(ch -> nodes(ch).setContents(r), CALL_MILLIS);
    acknowledged.put(path, text);
  }

  private void writeFiles(SessionKeeper s, int from, int to) throws InterruptedException {
    for (int i = from; i < to; i++) {
      create(s, String.format("/app/f%03d", i), NodeKind.NODE_KIND_FILE, "contents " + i);
    }
  }

  private static String read(CellClient c, String path) throws InterruptedException {
    GetContentsAndStatRequest r = GetContentsAndStatRequest.newBuilder().setPath(path).build();
    return c.call(ch -> nodes(ch).getContentsAndStat(r), CALL_MILLIS)
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

  private void watch(SessionKeeper s, String path) throws InterruptedException {
    WatchRequest r =
        WatchRequest.newBuilder()
            .setHeader(sessions.header(s))
            .setPath(path)
            .setKind(WatchKind.WATCH_KIND_CONTENTS)
            .build();
    client.call(
        ch ->
            WatchGrpc.newBlockingStub(ch)
                .withDeadlineAfter(ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                .watch(r),
        CALL_MILLIS);
  }

  private final Map<Long, Integer> changesSeen = new HashMap<>();

  /** The next contents-changed event of {@code path} this watcher had not counted yet. */
  private Event awaitChange(SessionKeeper s, String path) throws InterruptedException {
    int seen = changesSeen.getOrDefault(s.sessionId, 0);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_MILLIS);
    while (System.nanoTime() < deadline) {
      List<Event> changes =
          s.events().stream()
              .filter(
                  e ->
                      e.getType() == EventType.EVENT_TYPE_CONTENTS_CHANGED
                          && e.getPath().equals(path))
              .toList();
      if (changes.size() > seen) {
        changesSeen.put(s.sessionId, seen + 1);
        return changes.get(seen);
      }
      Thread.sleep(50);
    }
    return null;
  }
}
