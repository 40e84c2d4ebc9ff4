package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CheckSequencerRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.WatchGrpc;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.testing.InJvmCell;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over gRPC against a real cell: every case gets the right status code and reason and a
 * message that says what was wrong, and changes nothing.
 *
 * <p>Requests refused for good (malformed, too large, unknown session, stale sequence, forged
 * sequencer...) are refused before anything is proposed: the state checksum and applied index are
 * exactly as before. Requests refused for the current state (lock not held, node gone, queue full)
 * go through the log so that the refusal is recorded for exactly-once (see {@code RequestChecks}):
 * one index is used, and everything but that bookkeeping (index, clock, the session's remembered
 * answer) is exactly as before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  private static final int CONTENT_MAX = 1_024;

  private InJvmCell cell;
  private LockdServer leader;
  private final AtomicLong sequence = new AtomicLong();
  private long session;
  private long holder;
  private Sequencer held;

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    NamespaceLimits limits =
        NamespaceLimits.builder()
            .maxContentBytes(CONTENT_MAX)
            .maxWaitersPerLock(2)
            .minLeaseMillis(200)
            .lockDelayDefaultMillis(0)
            .build();
    // One replica: refusals do not depend on replication, and leadership cannot move between a
    // test and its before/after comparison of the leader's state on a loaded machine.
    cell = InJvmCell.builder().size(1).dataRoot(data).graceMillis(1_000).limits(limits).start();
    leader = cell.awaitLeader();
    session = newSession(60_000);
    holder = newSession(60_000);
    long w1 = newSession(60_000);
    long w2 = newSession(60_000);
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session))
                .setPath("/d")
                .setKind(NodeKind.NODE_KIND_DIRECTORY)
                .build());
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session))
                .setPath("/d/f")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    held = acquire(holder, "/d/f", 0).getGranted();
    acquire(w1, "/d/f", 3_600_000);
    acquire(w2, "/d/f", 3_600_000);
    // KeepAlives never change the state: keep every session alive however slow the machine is.
    for (long s : new long[] {session, holder, w1, w2}) {
      streams.add(new KeepAliveClient(cell.channel(leader), s));
    }
    keepAlives.scheduleAtFixedRate(
        () -> streams.forEach(k -> k.keepAlive(0)), 0, 5, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() {
    keepAlives.shutdownNow();
    streams.forEach(KeepAliveClient::close);
    if (cell != null) {
      cell.close();
    }
  }

  private final List<KeepAliveClient> streams = new ArrayList<>();
  private final ScheduledExecutorService keepAlives = Executors.newSingleThreadScheduledExecutor();

  private long before;
  private long beforeIndex;
  private Snapshot beforeContent;

  @BeforeEach
  void remember() throws Exception {
    before = InJvmCell.checksum(leader);
    beforeIndex = InJvmCell.appliedIndex(leader);
    beforeContent = content();
  }

  /** The leader's state without the bookkeeping every applied command does. */
  private Snapshot content() throws Exception {
    byte[] bytes = leader.onLoop(c -> c.readLocal(Namespace::snapshot), 5_000);
    Snapshot.Builder b =
        Snapshot.parseFrom(bytes).toBuilder()
            .clearAppliedIndex()
            .clearLastSlot()
            .clearClockMillis();
    for (int i = 0; i < b.getSessionsCount(); i++) {
      b.getSessionsBuilder(i).clearLastSequence().clearLastRequestFingerprint().clearLastResult();
    }
    return b.build();
  }

  // ---- paths ----------------------------------------------------------------------------------

  @Test
  void pathWithoutLeadingSlash() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "does not start with \"/\"",
        () -> createFile("d/x", ""));
  }

  @Test
  void pathWithAnEmptyComponent() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "component 2 is empty",
        () -> createFile("/d//x", ""));
  }

  @Test
  void pathWithDotDot() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "is \"..\"",
        () -> createFile("/d/../x", ""));
  }

  @Test
  void pathWithAControlCharacter() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "non-printable character U+0007",
        () -> createFile("/d/bell\u0007", ""));
  }

  @Test
  void overLongPath() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "limit maxPathBytes=1024",
        () -> createFile("/d/" + "x".repeat(2_000), ""));
  }

  @Test
  void tooDeepPath() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "limit maxPathDepth=64",
        () -> createFile("/a".repeat(65), ""));
  }

  @Test
  void badPathOnARead() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH,
        "it is empty",
        () -> nodes().getStat(GetStatRequest.newBuilder().setPath("").build()));
  }

  // ---- contents and fields --------------------------------------------------------------------

  @Test
  void oversizeContentOnCreate() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
        "1025 bytes; limit maxContentBytes=1024",
        () -> createFile("/d/big", "x".repeat(1_025)));
  }

  @Test
  void oversizeContentOnSet() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
        "limit maxContentBytes=1024",
        () ->
            nodes()
                .setContents(
                    SetContentsRequest.newBuilder()
                        .setHeader(header(session))
                        .setPath("/d/f")
                        .setContents(ByteString.copyFrom(new byte[CONTENT_MAX + 1]))
                        .build()));
  }

  @Test
  void missingHeader() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "header is required",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setPath("/d/x")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .build()));
  }

  @Test
  void headerWithoutSequence() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "header.sequence must be at least 1",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setHeader(RequestHeader.newBuilder().setSessionId(session))
                        .setPath("/d/x")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .build()));
  }

  @Test
  void unknownNodeKind() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "kind must be NODE_KIND_FILE or NODE_KIND_DIRECTORY, was 7",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setHeader(header(session))
                        .setPath("/d/x")
                        .setKindValue(7)
                        .build()));
  }

  @Test
  void missingLockMode() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "mode must be LOCK_MODE_EXCLUSIVE or LOCK_MODE_SHARED, was LOCK_MODE_UNSPECIFIED",
        () ->
            locks()
                .acquire(
                    AcquireRequest.newBuilder()
                        .setHeader(header(session))
                        .setPath("/d/f")
                        .build()));
  }

  @Test
  void unknownWatchKind() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "was 9 (not a known value)",
        () ->
            WatchGrpc.newBlockingStub(cell.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .watch(
                    WatchRequest.newBuilder()
                        .setHeader(header(session))
                        .setPath("/d")
                        .setKindValue(9)
                        .build()));
  }

  @Test
  void overlongClientName() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "limit maxClientNameBytes=256",
        () ->
            SessionGrpc.newBlockingStub(cell.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .createSession(
                    CreateSessionRequest.newBuilder().setClientName("n".repeat(300)).build()));
  }

  // ---- sessions -------------------------------------------------------------------------------

  @Test
  void unknownSession() throws Exception {
    refused(
        Status.Code.NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND,
        "session 999999 does not exist",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setHeader(RequestHeader.newBuilder().setSessionId(999_999).setSequence(1))
                        .setPath("/d/x")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .build()));
  }

  @Test
  void expiredSession() throws Exception {
    long doomed = newSession(200);
    awaitGone(doomed);
    remember(); // the expiry itself changed the state; from here on nothing may
    refused(
        Status.Code.NOT_FOUND,
        ErrorReason.ERROR_REASON_SESSION_NOT_FOUND,
        "session " + doomed + " does not exist",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setHeader(header(doomed))
                        .setPath("/d/x")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .build()));
  }

  @Test
  void staleSequenceNumber() throws Exception {
    refused(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE,
        "is older than its last applied sequence",
        () ->
            nodes()
                .create(
                    CreateNodeRequest.newBuilder()
                        .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(1))
                        .setPath("/d/x")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .build()));
  }

  // ---- locks and sequencers -------------------------------------------------------------------

  @Test
  void forgedSequencerGeneration() throws Exception {
    Sequencer forged = held.toBuilder().setLockGeneration(held.getLockGeneration() + 100).build();
    refused(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID,
        "does not hold generation " + forged.getLockGeneration(),
        () -> check(forged));
  }

  @Test
  void forgedSequencerInstance() throws Exception {
    Sequencer forged = held.toBuilder().setInstance(held.getInstance() + 1).build();
    refused(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID,
        "names instance",
        () -> check(forged));
  }

  @Test
  void staleSequencer() throws Exception {
    long other = newSession(60_000);
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(other))
                .setPath("/d/stale")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    Sequencer first = acquire(other, "/d/stale", 0).getGranted();
    locks()
        .release(ReleaseRequest.newBuilder().setHeader(header(other)).setPath("/d/stale").build());
    acquire(other, "/d/stale", 0);
    remember();
    refused(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID,
        "does not hold generation " + first.getLockGeneration(),
        () -> check(first));
  }

  @Test
  void missingSequencer() throws Exception {
    refused(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "sequencer is required",
        () -> locks().checkSequencer(CheckSequencerRequest.getDefaultInstance()));
  }

  @Test
  void releaseOfALockNotHeld() throws Exception {
    refusedByTheLog(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LOCK_NOT_HELD,
        "session " + session + " neither holds nor waits for lock \"/d/f\"",
        () ->
            locks()
                .release(
                    ReleaseRequest.newBuilder()
                        .setHeader(header(session))
                        .setPath("/d/f")
                        .build()));
  }

  @Test
  void acquireOnADeletedNode() throws Exception {
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session))
                .setPath("/d/gone")
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
    nodes()
        .delete(
            DeleteNodeRequest.newBuilder().setHeader(header(session)).setPath("/d/gone").build());
    remember();
    refusedByTheLog(
        Status.Code.NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND,
        "node \"/d/gone\" does not exist",
        () -> acquire(session, "/d/gone", 0));
  }

  @Test
  void tooManyWaiters() throws Exception {
    refusedByTheLog(
        Status.Code.RESOURCE_EXHAUSTED,
        ErrorReason.ERROR_REASON_LIMIT_REACHED,
        "lock \"/d/f\" has too many waiters: limit maxWaitersPerLock=2 reached",
        () -> acquire(session, "/d/f", 1_000));
  }

  @Test
  void acquireOfALockAlreadyHeld() throws Exception {
    refusedByTheLog(
        Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD,
        "already holds lock \"/d/f\"",
        () -> acquire(holder, "/d/f", 0));
  }

  @Test
  void createUnderAMissingParent() throws Exception {
    refusedByTheLog(
        Status.Code.NOT_FOUND,
        ErrorReason.ERROR_REASON_PARENT_NOT_FOUND,
        "parent \"/nowhere\" does not exist",
        () -> createFile("/nowhere/x", ""));
  }

  // ---- the wire -------------------------------------------------------------------------------

  @Test
  void garbageBytesOnTheClientPort() throws Exception {
    int port = leader.clientPort();
    SplittableRandom random = new SplittableRandom(7);
    byte[] junk = new byte[64 << 10];
    random.nextBytes(junk);
    sendAndDrain(port, junk);
    sendAndDrain(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] afterPreface = new byte[preface.length + 4096];
    System.arraycopy(preface, 0, afterPreface, 0, preface.length);
    byte[] frames = new byte[4096];
    random.nextBytes(frames);
    System.arraycopy(frames, 0, afterPreface, preface.length, frames.length);
    sendAndDrain(port, afterPreface);
    // Still serving, and nothing changed.
    assertTrue(nodes().getStat(GetStatRequest.newBuilder().setPath("/d").build()).hasStat());
    assertNotNull(
        io.lockd.proto.v1.ClusterGrpc.newBlockingStub(cell.channel(leader))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listSessions(ListSessionsRequest.getDefaultInstance()));
    unchanged();
  }

  /** Writes bytes to a raw socket, then reads until the server closes it (bounded). */
  private static void sendAndDrain(int port, byte[] bytes) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (java.io.IOException closedEarly) {
        return; // the server hung up mid-write: fine
      }
      InputStream in = s.getInputStream();
      byte[] buffer = new byte[4096];
      try {
        while (in.read(buffer) >= 0) {
          // drain what the server says (a GOAWAY, or nothing) until it closes
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // bounded: a server that keeps the connection open is fine too
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private void refused(Status.Code code, ErrorReason reason, String says, Executable call)
      throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertRefusal(e, code, reason, says);
    unchanged();
  }

  private static void assertRefusal(
      StatusRuntimeException e, Status.Code code, ErrorReason reason, String says) {
    assertEquals(code, e.getStatus().getCode(), e.toString());
    String message = e.getStatus().getDescription();
    assertTrue(
        message != null && message.contains(says),
        () -> "message '" + message + "' should say '" + says + "'");
    ErrorDetail detail = e.getTrailers().get(GrpcErrors.ERROR_DETAIL);
    assertNotNull(detail, "lockd-error-detail-bin trailer");
    assertEquals(reason, detail.getReason());
    assertEquals(message, detail.getMessage());
  }

  /** Refused by the namespace: one index used, nothing else changed. */
  private void refusedByTheLog(Status.Code code, ErrorReason reason, String says, Executable call)
      throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertRefusal(e, code, reason, says);
    assertEquals(beforeIndex + 1, InJvmCell.appliedIndex(leader), "one refused command applied");
    assertEquals(beforeContent, content(), "nodes, locks or sessions changed");
  }

  private void unchanged() throws Exception {
    assertEquals(beforeIndex, InJvmCell.appliedIndex(leader), "a command was applied");
    assertEquals(before, InJvmCell.checksum(leader), "the state changed");
  }

  private RequestHeader header(long s) {
    return RequestHeader.newBuilder()
        .setSessionId(s)
        .setSequence(sequence.incrementAndGet())
        .build();
  }

  private long newSession(long leaseMillis) {
    return SessionGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createSession(
            CreateSessionRequest.newBuilder().setRequestedLeaseMillis(leaseMillis).build())
        .getSessionId();
  }

  private void awaitGone(long s) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
    while (io.lockd.proto.v1.ClusterGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listSessions(ListSessionsRequest.getDefaultInstance())
        .getSessionsList()
        .stream()
        .anyMatch(i -> i.getSessionId() == s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("session " + s + " did not expire");
      }
      Thread.sleep(50);
    }
  }

  private NodeGrpc.NodeBlockingStub nodes() {
    return NodeGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LockGrpc.LockBlockingStub locks() {
    return LockGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private void createFile(String path, String contents) {
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session))
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .setContents(ByteString.copyFromUtf8(contents))
                .build());
  }

  private io.lockd.proto.v1.AcquireResponse acquire(long s, String path, long waitMillis) {
    return locks()
        .acquire(
            AcquireRequest.newBuilder()
                .setHeader(header(s))
                .setPath(path)
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                .setWaitMillis(waitMillis)
                .build());
  }

  private void check(Sequencer sequencer) {
    locks().checkSequencer(CheckSequencerRequest.newBuilder().setSequencer(sequencer).build());
  }
}
