package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Calls stream of a real three-replica cell: the same answers and errors as the unary methods,
 * several sessions on one stream, redirects from a follower, and its limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallStreamTest {
  private static final long WAIT_SECONDS = 30;
  private InJvmCell cell;
  private LockdServer leader;

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    NamespaceLimits limits = NamespaceLimits.builder().lockDelayDefaultMillis(0).build();
    cell = InJvmCell.builder().size(3).dataRoot(data).limits(limits).start();
    leader = cell.awaitLeader();
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  /** One client side of a Calls stream: answers by call id, and how the stream ended. */
  private static final class Calls implements StreamObserver<CallResponse>, AutoCloseable {
    final Map<Long, CompletableFuture<CallResponse>> answers = new ConcurrentHashMap<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    final StreamObserver<CallRequest> requests;
    private long nextId;

    Calls(ManagedChannel channel) {
      requests = SessionGrpc.newStub(channel).calls(this);
    }

    synchronized CompletableFuture<CallResponse> send(CallRequest.Builder request) {
      long id = ++nextId;
      CompletableFuture<CallResponse> answer = new CompletableFuture<>();
      answers.put(id, answer);
      requests.onNext(request.setCallId(id).build());
      return answer;
    }

    CallResponse call(CallRequest.Builder request) throws Exception {
      return send(request).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void onNext(CallResponse r) {
      answers.get(r.getCallId()).complete(r);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    @Override
    public synchronized void close() {
      requests.onCompleted();
    }
  }

  private static CallRequest.Builder createSession(String name) {
    return CallRequest.newBuilder()
        .setCreateSession(
            CreateSessionRequest.newBuilder().setClientName(name).setRequestedLeaseMillis(30_000));
  }

  private static RequestHeader header(long session, long sequence) {
    return RequestHeader.newBuilder().setSessionId(session).setSequence(sequence).build();
  }

  @Test
  void sessionsShareAStreamAndGetTheUnaryAnswers() throws Exception {
    try (Calls calls = new Calls(cell.channel(leader))) {
      long a = calls.call(createSession("a")).getCreateSession().getSessionId();
      long b = calls.call(createSession("b")).getCreateSession().getSessionId();
      assertTrue(a > 0 && b > 0 && a != b);
      CallResponse created =
          calls.call(
              CallRequest.newBuilder()
                  .setCreateNode(
                      CreateNodeRequest.newBuilder()
                          .setHeader(header(a, 1))
                          .setPath("/calls-lock")
                          .setKind(NodeKind.NODE_KIND_FILE)));
      assertTrue(created.hasCreateNode(), created.toString());

      // Both sessions' acquires in flight on the one stream: a gets it, b queues behind it.
      CompletableFuture<CallResponse> first = calls.send(acquire(a, 2, 0));
      CallResponse granted = first.get(WAIT_SECONDS, TimeUnit.SECONDS);
      CallResponse queued = calls.call(acquire(b, 1, 60_000));
      assertTrue(granted.getAcquire().hasGranted(), granted.toString());
      assertTrue(queued.getAcquire().hasQueued(), queued.toString());

      CallResponse released =
          calls.call(
              CallRequest.newBuilder()
                  .setRelease(
                      ReleaseRequest.newBuilder().setHeader(header(a, 3)).setPath("/calls-lock")));
      assertTrue(released.hasRelease(), released.toString());

      // An error is the unary method's status and detail, and ends only that call.
      CallResponse missing =
          calls.call(
              CallRequest.newBuilder()
                  .setGetStat(GetStatRequest.newBuilder().setPath("/no-such-node")));
      assertEquals(Status.Code.NOT_FOUND.value(), missing.getError().getCode());
      assertEquals(
          ErrorReason.ERROR_REASON_NODE_NOT_FOUND, missing.getError().getDetail().getReason());
      CallResponse stat =
          calls.call(
              CallRequest.newBuilder()
                  .setGetStat(GetStatRequest.newBuilder().setPath("/calls-lock")));
      assertTrue(stat.hasGetStat(), stat.toString());
      assertFalse(calls.ended.isDone());
    }
  }

  @Test
  void aFollowerAnswersEachCallWithTheLeadersAddress() throws Exception {
    LockdServer follower = cell.follower(leader);
    try (Calls calls = new Calls(cell.channel(follower))) {
      CallResponse r = calls.call(createSession("redirected"));
      assertEquals(Status.Code.UNAVAILABLE.value(), r.getError().getCode(), r.toString());
      assertEquals(leader.selfId(), r.getError().getLeaderId());
      assertEquals(cell.clientAddresses().get(leader.selfId()), r.getError().getLeaderAddress());
      assertEquals(ErrorReason.ERROR_REASON_NOT_LEADER, r.getError().getDetail().getReason());
      assertFalse(calls.ended.isDone());
    }
  }

  @Test
  void aRequestWithoutABodyEndsTheStream() throws Exception {
    try (Calls calls = new Calls(cell.channel(leader))) {
      calls.send(CallRequest.newBuilder());
      Status ended = calls.ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(Status.Code.INVALID_ARGUMENT, ended.getCode());
      assertTrue(ended.getDescription().contains("no request body"), ended.toString());
    }
  }

  @Test
  void aHalfClosedStreamEndsOnceEveryCallIsAnswered() throws Exception {
    Calls calls = new Calls(cell.channel(leader));
    List<CompletableFuture<CallResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(calls.send(createSession("burst-" + i)));
    }
    calls.close();
    assertEquals(Status.Code.OK, calls.ended.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
    for (CompletableFuture<CallResponse> f : sent) {
      assertTrue(f.isDone() && f.get().hasCreateSession(), f.get().toString());
    }
  }

  private static CallRequest.Builder acquire(long session, long sequence, long waitMillis) {
    return CallRequest.newBuilder()
        .setAcquire(
            AcquireRequest.newBuilder()
                .setHeader(header(session, sequence))
                .setPath("/calls-lock")
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                .setWaitMillis(waitMillis));
  }
}
