package io.lockd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;
import io.lockd.server.grpc.GrpcErrors;
import io.lockd.server.grpc.LockdServer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client-port faults do what client tests rely on, seen by a raw gRPC client of a real cell:
 * the server behind them still executes what it received.
 */
class ClientPortFaultsTest {
  private static InJvmCell cell;
  private static ClientPortFaults faults;

  @BeforeAll
  static void start() throws Exception {
    cell = InJvmCell.builder().size(3).start();
    faults = cell.faults();
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  @AfterEach
  void reset() {
    faults.reset();
  }

  private static NodeGrpc.NodeBlockingStub node(LockdServer s) {
    return NodeGrpc.newBlockingStub(cell.channel(s)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static long newSession(LockdServer leader) {
    return SessionGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createSession(CreateSessionRequest.newBuilder().setClientName("faults").build())
        .getSessionId();
  }

  private static SetContentsRequest write(long session, long sequence, String path, String text) {
    return SetContentsRequest.newBuilder()
        .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(sequence))
        .setPath(path)
        .setContents(ByteString.copyFromUtf8(text))
        .build();
  }

  private static void createFile(LockdServer leader, long session, long sequence, String path) {
    node(leader)
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(sequence))
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
  }

  private static long generation(LockdServer leader, String path) {
    return node(leader)
        .getStat(GetStatRequest.newBuilder().setPath(path).build())
        .getStat()
        .getContentGeneration();
  }

  @Test
  void aLostAnswerWasExecutedAndItsRetryGetsTheRememberedAnswer() throws Exception {
    LockdServer leader = cell.awaitLeader();
    long session = newSession(leader);
    createFile(leader, session, 1, "/lost");
    faults.loseAnswers(1);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> node(leader).setContents(write(session, 2, "/lost", "x")));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(ClientPortFaults.LOST_ANSWER, e.getStatus().getDescription());
    assertEquals(2, generation(leader, "/lost"), "executed although the answer was lost");

    SetContentsResponse retry = node(leader).setContents(write(session, 2, "/lost", "x"));
    assertEquals(2, retry.getStat().getContentGeneration(), "the remembered answer");
    assertEquals(2, generation(leader, "/lost"), "applied once");
    assertEquals(2, faults.requests(NodeGrpc.getSetContentsMethod()));
  }

  @Test
  void aHeldAnswerArrivesWhenReleased() throws Exception {
    LockdServer leader = cell.awaitLeader();
    long session = newSession(leader);
    createFile(leader, session, 1, "/held");
    faults.holdAnswers(1);
    LinkedBlockingQueue<SetContentsResponse> answers = new LinkedBlockingQueue<>();
    NodeGrpc.newStub(cell.channel(leader))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .setContents(write(session, 2, "/held", "y"), collect(answers));
    Eventually.await("the answer is held", () -> faults.heldAnswers() == 1);
    assertEquals(2, generation(leader, "/held"), "executed before its answer went out");
    assertTrue(answers.isEmpty());
    faults.releaseHeldAnswers();
    assertEquals(2, answers.poll(20, TimeUnit.SECONDS).getStat().getContentGeneration());
  }

  @Test
  void aDownReplicaRefusesAndComesBack() throws Exception {
    LockdServer leader = cell.awaitLeader();
    faults.setDown(leader.selfId(), true);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> node(leader).getStat(GetStatRequest.newBuilder().setPath("/").build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("is down"), e.getStatus().toString());
    faults.setDown(leader.selfId(), false);
    assertEquals(
        "/",
        node(leader).getStat(GetStatRequest.newBuilder().setPath("/").build()).getStat().getPath());
  }

  @Test
  void hintsCanBeHidden() throws Exception {
    LockdServer leader = cell.awaitLeader();
    LockdServer follower = cell.follower(leader);
    GetStatRequest root = GetStatRequest.newBuilder().setPath("/").build();
    Metadata shown =
        assertThrows(StatusRuntimeException.class, () -> node(follower).getStat(root))
            .getTrailers();
    assertEquals(Integer.toString(leader.selfId()), shown.get(GrpcErrors.LEADER_ID));
    faults.hideLeaderHints(true);
    Metadata hidden =
        assertThrows(StatusRuntimeException.class, () -> node(follower).getStat(root))
            .getTrailers();
    assertNull(hidden.get(GrpcErrors.LEADER_ID));
    assertNull(hidden.get(GrpcErrors.LEADER_ADDRESS));
    assertNotNull(hidden.get(GrpcErrors.ERROR_DETAIL), "the reason stays");
    assertEquals(2, faults.requests(follower.selfId(), NodeGrpc.getGetStatMethod()));
  }

  @Test
  void silencedKeepAlivesAreReceivedButNotAnswered() throws Exception {
    LockdServer leader = cell.awaitLeader();
    long session = newSession(leader);
    LinkedBlockingQueue<KeepAliveResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<KeepAliveRequest> stream =
        SessionGrpc.newStub(cell.channel(leader)).keepAlive(collect(answers));
    try {
      faults.duplicateKeepAliveResponses(true);
      stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setRequestId(1).build());
      assertEquals(1, answers.poll(20, TimeUnit.SECONDS).getRequestId());
      assertEquals(1, answers.poll(20, TimeUnit.SECONDS).getRequestId(), "sent twice");

      faults.duplicateKeepAliveResponses(false);
      faults.silenceKeepAliveAnswers(true);
      stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setRequestId(2).build());
      Eventually.await(
          "the request reached the server",
          () -> faults.requests(SessionGrpc.getKeepAliveMethod()) == 2);
      leader.onLoop(c -> null, 5_000); // the replica's thread answered it (into the silence)
      faults.silenceKeepAliveAnswers(false);
      stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setRequestId(3).build());
      assertEquals(3, answers.poll(20, TimeUnit.SECONDS).getRequestId(), "2 was never answered");
    } finally {
      stream.onCompleted();
    }
  }

  @Test
  void requestsOnACallsStreamCountForTheirUnaryMethod() throws Exception {
    LockdServer leader = cell.awaitLeader();
    LinkedBlockingQueue<CallResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<CallRequest> calls =
        SessionGrpc.newStub(cell.channel(leader)).calls(collect(answers));
    try {
      calls.onNext(
          CallRequest.newBuilder()
              .setCallId(7)
              .setGetStat(GetStatRequest.newBuilder().setPath("/"))
              .build());
      assertEquals(7, answers.poll(20, TimeUnit.SECONDS).getCallId());
      assertEquals(1, faults.requests(leader.selfId(), NodeGrpc.getGetStatMethod()));
      assertEquals(0, faults.requests(SessionGrpc.getCallsMethod()), "not the stream's name");
    } finally {
      calls.onCompleted();
    }
  }

  private static <T> StreamObserver<T> collect(LinkedBlockingQueue<T> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
