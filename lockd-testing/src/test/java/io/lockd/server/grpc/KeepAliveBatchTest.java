package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session.KeepAlives, as a client process with many sessions uses it: one stream carries several
 * sessions' KeepAlives, each session with the rules of its own KeepAlive stream (a real
 * three-replica cell in one JVM).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeepAliveBatchTest {
  private InJvmCell cell;
  private LockdServer leader;
  private final AtomicLong sequence = new AtomicLong();

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    NamespaceLimits limits =
        NamespaceLimits.builder()
            .minLeaseMillis(500)
            .leaseDefaultMillis(2_000)
            .lockDelayDefaultMillis(0)
            .build();
    cell = InJvmCell.builder().size(3).dataRoot(data).graceMillis(1_000).limits(limits).start();
    leader = cell.awaitLeader();
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void oneStreamKeepsManySessionsAliveAndEndsOnlyTheOneThatFellSilent() throws Exception {
    long kept1 = session(1_000);
    long kept2 = session(1_000);
    long silent = session(1_000);
    try (Batches stream = new Batches(cell.channel(leader))) {
      stream.send(kept1, kept2, silent);
      stream.awaitResponse(r -> r.getSessionId() == silent);
      // Keep two alive (every 150 ms of a 1 s lease) until the third has expired and ended.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
      while (stream.ended(silent) == null && System.nanoTime() < deadline) {
        stream.send(kept1, kept2);
        Thread.sleep(150);
      }
      KeepAliveResponse expired =
          stream.awaitResponse(
              r ->
                  r.getSessionId() == silent
                      && r.getEventsList().stream()
                          .anyMatch(e -> e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED));
      assertTrue(expired.getIndex() > 0);
      KeepAliveEnd end = stream.awaitEnd(silent);
      assertFalse(end.hasError(), "a session's stream ends OK after SESSION_EXPIRED: " + end);
      int answered = stream.count(kept1);
      stream.send(kept1, kept2);
      stream.awaitResponses(kept1, answered + 1);

      // The other two were answered all along, with their own lease, and still live.
      for (long s : new long[] {kept1, kept2}) {
        KeepAliveResponse last = stream.lastResponse(s);
        assertEquals(1_000, last.getLeaseMillis());
        assertTrue(last.getLeaseRemainingMillis() > 0, last.toString());
        assertTrue(stream.ended(s) == null, "session " + s + " ended: " + stream.ended(s));
        createFile(s, "/batch-alive-" + s);
      }
      assertFalse(stream.ended.isDone(), "the stream itself stays open");
    }
  }

  @Test
  void aQueuedAcquireIsGrantedThroughTheBatchStream() throws Exception {
    long holder = session(10_000);
    long waiter = session(10_000);
    createFile(holder, "/batch-lock");
    try (Batches stream = new Batches(cell.channel(leader))) {
      stream.send(holder, waiter);
      stream.awaitResponse(r -> r.getSessionId() == waiter);
      assertTrue(acquire(holder, 0).hasGranted());
      assertTrue(acquire(waiter, 60_000).hasQueued());
      locks()
          .release(
              ReleaseRequest.newBuilder().setHeader(header(holder)).setPath("/batch-lock").build());
      KeepAliveResponse granted =
          stream.awaitResponse(
              r ->
                  r.getSessionId() == waiter
                      && r.getEventsList().stream()
                          .anyMatch(e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED));
      Event grant = granted.getEvents(granted.getEventsCount() - 1);
      assertEquals(waiter, grant.getSequencer().getSessionId());
    }
  }

  @Test
  void aFollowerEndsTheWholeStreamWithTheLeadersAddress() throws Exception {
    long s = session(10_000);
    LockdServer follower = cell.follower(leader);
    try (Batches stream = new Batches(cell.channel(follower))) {
      stream.send(s);
      Status status = stream.ended.get(InJvmCell.WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
      assertEquals(
          ErrorReason.ERROR_REASON_NOT_LEADER,
          stream.endTrailers.get(GrpcErrors.ERROR_DETAIL).getReason());
      assertEquals(
          cell.clientAddresses().get(leader.selfId()),
          stream.endTrailers.get(GrpcErrors.LEADER_ADDRESS));
    }
  }

  @Test
  void aBatchOverTheLimitIsRefusedSayingSo() throws Exception {
    try (Batches stream = new Batches(cell.channel(leader))) {
      long[] many = new long[KeepAliveMux.MAX_REQUESTS_PER_BATCH + 1];
      java.util.Arrays.fill(many, 1);
      stream.send(many);
      Status status = stream.ended.get(InJvmCell.WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
      assertTrue(status.getDescription().contains("at most 1000 requests"), status.toString());
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private RequestHeader header(long session) {
    return RequestHeader.newBuilder()
        .setSessionId(session)
        .setSequence(sequence.incrementAndGet())
        .build();
  }

  private long session(long leaseMillis) {
    return SessionGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setRequestedLeaseMillis(leaseMillis)
                .setClientName("batch-test")
                .build())
        .getSessionId();
  }

  private void createFile(long session, String path) {
    NodeGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session))
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
  }

  private LockGrpc.LockBlockingStub locks() {
    return LockGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private io.lockd.proto.v1.AcquireResponse acquire(long session, long waitMillis) {
    return locks()
        .acquire(
            AcquireRequest.newBuilder()
                .setHeader(header(session))
                .setPath("/batch-lock")
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                .setWaitMillis(waitMillis)
                .build());
  }

  /** One KeepAlives stream from the client's side, recording what arrives. */
  private static final class Batches implements AutoCloseable {
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    volatile Metadata endTrailers;
    private final List<KeepAliveResponse> responses = new ArrayList<>();
    private final List<KeepAliveEnd> ends = new ArrayList<>();
    private final StreamObserver<KeepAliveBatch> requests;
    private long requestId;

    Batches(Channel channel) {
      requests =
          SessionGrpc.newStub(channel)
              .keepAlives(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(KeepAliveBatchResponse r) {
                      synchronized (responses) {
                        responses.addAll(r.getResponsesList());
                        ends.addAll(r.getEndedList());
                        responses.notifyAll();
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      endTrailers = Status.trailersFromThrowable(t);
                      ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      ended.complete(Status.OK);
                    }
                  });
    }

    synchronized void send(long... sessions) {
      KeepAliveBatch.Builder b = KeepAliveBatch.newBuilder();
      for (long s : sessions) {
        b.addRequests(KeepAliveRequest.newBuilder().setSessionId(s).setRequestId(++requestId));
      }
      requests.onNext(b.build());
    }

    KeepAliveResponse awaitResponse(Predicate<KeepAliveResponse> match)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
      synchronized (responses) {
        while (true) {
          for (KeepAliveResponse r : responses) {
            if (match.test(r)) {
              return r;
            }
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || ended.isDone()) {
            throw new AssertionError("no matching response; got " + responses + " " + ended);
          }
          responses.wait(Math.min(left, 100));
        }
      }
    }

    int count(long session) {
      synchronized (responses) {
        return (int) responses.stream().filter(r -> r.getSessionId() == session).count();
      }
    }

    void awaitResponses(long session, int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
      synchronized (responses) {
        while (count(session) < n) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            throw new AssertionError("fewer than " + n + " responses for session " + session);
          }
          responses.wait(Math.min(left, 100));
        }
      }
    }

    KeepAliveEnd awaitEnd(long session) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
      synchronized (responses) {
        while (ended(session) == null) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            throw new AssertionError("session " + session + " did not end; ends " + ends);
          }
          responses.wait(Math.min(left, 100));
        }
        return ended(session);
      }
    }

    KeepAliveEnd ended(long session) {
      synchronized (responses) {
        return ends.stream().filter(e -> e.getSessionId() == session).findFirst().orElse(null);
      }
    }

    KeepAliveResponse lastResponse(long session) {
      synchronized (responses) {
        KeepAliveResponse last = null;
        for (KeepAliveResponse r : responses) {
          if (r.getSessionId() == session) {
            last = r;
          }
        }
        return last;
      }
    }

    @Override
    public void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // already ended
      }
    }
  }
}
