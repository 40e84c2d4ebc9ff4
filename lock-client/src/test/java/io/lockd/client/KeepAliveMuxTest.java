package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client's side of Session.KeepAlives: several sessions' KeepAlive streams on one call, each
 * seeing exactly what its own KeepAlive call would have shown it. A fake channel records the
 * batches sent; the gathering delay runs when the test says so.
 */
class KeepAliveMuxTest {
  private final FakeChannel channel = new FakeChannel();
  private final List<Runnable> due = new ArrayList<>();
  private int idle;
  private final KeepAliveMux mux =
      new KeepAliveMux(channel, Runnable::run, (delay, task) -> due.add(task), () -> idle++);

  @Test
  void requestsDueTogetherShareOneMessageAndEachAnswerReachesItsOwnSession() {
    Session a = open(1);
    Session b = open(2);
    a.call.sendMessage(request(1, 1));
    b.call.sendMessage(request(2, 1));
    assertTrue(channel.calls.isEmpty(), "nothing sent before the gathering delay");
    runDue();
    assertEquals(1, channel.calls.size());
    List<KeepAliveBatch> sent = channel.call().sent;
    assertEquals(1, sent.size(), "one message");
    assertEquals(List.of(1L, 2L), sessionsOf(sent.get(0)));

    channel
        .call()
        .answer(
            KeepAliveBatchResponse.newBuilder()
                .addResponses(response(2, 1))
                .addResponses(response(1, 1))
                .build());
    assertEquals(List.of(1L), a.answeredIds());
    assertEquals(List.of(1L), b.answeredIds());
    assertEquals(List.of(1L), sessionIdsOf(a.answers));
    assertEquals(List.of(2L), sessionIdsOf(b.answers));
  }

  @Test
  void aSessionsEndingReachesOnlyThatSessionWithItsStatusAndHint() {
    Session a = open(1);
    Session b = open(2);
    a.call.sendMessage(request(1, 1));
    b.call.sendMessage(request(2, 1));
    runDue();
    channel
        .call()
        .answer(
            KeepAliveBatchResponse.newBuilder()
                .addEnded(
                    KeepAliveEnd.newBuilder()
                        .setSessionId(1)
                        .setError(
                            CallError.newBuilder()
                                .setCode(Status.Code.UNAVAILABLE.value())
                                .setDetail(ErrorDetail.newBuilder().setMessage("superseded"))
                                .setLeaderId(3)
                                .setLeaderAddress("127.0.0.1:7103")))
                .build());
    assertEquals(Status.Code.UNAVAILABLE, a.closed.getCode());
    assertEquals("superseded", a.closed.getDescription());
    assertEquals("127.0.0.1:7103", a.trailers.get(Errors.LEADER_ADDRESS));
    assertNull(b.closed, "the other session's stream goes on");
    assertFalse(channel.call().halfClosed);

    // The ended session's later request (from its own new stream) goes out on the same call.
    Session again = open(1);
    again.call.sendMessage(request(1, 2));
    runDue();
    KeepAliveBatch last = channel.call().last();
    assertEquals(List.of(1L), sessionsOf(last));
    assertEquals(0, last.getClosedSessionIdsCount(), "the server ended it: nothing to close");
  }

  @Test
  void aStreamDroppedBeforeItsRequestLeftIsNeverOpenedAndItsSuccessorStartsAfresh() {
    Session keep = open(2);
    keep.call.sendMessage(request(2, 1));
    Session old = open(1);
    old.call.sendMessage(request(1, 1));
    old.call.cancel("restarting", null); // e.g. its watchdog: a new stream follows
    Session fresh = open(1);
    fresh.call.sendMessage(request(1, 2));
    runDue();
    KeepAliveBatch batch = channel.call().last();
    assertEquals(List.of(2L, 1L), sessionsOf(batch));
    assertEquals(2, batch.getRequests(1).getRequestId(), "only the new stream's request");
    assertEquals(
        List.of(1L), batch.getClosedSessionIdsList(), "closed before the new one opens there");
    assertEquals(Status.Code.CANCELLED, old.closed.getCode(), "a cancelled call says so");

    channel.call().answer(KeepAliveBatchResponse.newBuilder().addResponses(response(1, 2)).build());
    assertEquals(List.of(2L), fresh.answeredIds());
    assertTrue(old.answers.isEmpty());
  }

  @Test
  void theWholeStreamsEndReachesEverySessionAndTheMuxIsForgotten() {
    Session a = open(1);
    Session b = open(2);
    a.call.sendMessage(request(1, 1));
    b.call.sendMessage(request(2, 1));
    runDue();
    Metadata trailers = new Metadata();
    trailers.put(Errors.LEADER_ADDRESS, "127.0.0.1:7102");
    channel
        .call()
        .listener
        .onClose(Status.UNAVAILABLE.withDescription("not serving as leader"), trailers);
    for (Session s : List.of(a, b)) {
      assertEquals(Status.Code.UNAVAILABLE, s.closed.getCode());
      assertEquals("127.0.0.1:7102", s.trailers.get(Errors.LEADER_ADDRESS));
    }
    assertEquals(1, idle, "no session left on it: its owner forgets it");
  }

  @Test
  void aServerWithoutTheMethodTellsEverySessionUnimplemented() {
    Session a = open(1);
    a.call.sendMessage(request(1, 1));
    runDue();
    channel
        .call()
        .listener
        .onClose(Status.UNIMPLEMENTED.withDescription("Method not found"), new Metadata());
    assertEquals(Status.Code.UNIMPLEMENTED, a.closed.getCode(), "the session falls back on this");
  }

  @Test
  void anUrgentRequestLeavesAtOnceAndTheLastSessionLeavingClosesTheCall() {
    Session a = open(1);
    a.call.sendMessage(request(1, 1));
    KeepAliveMux.flushNow(a.call);
    assertEquals(1, channel.call().sent.size(), "sent without waiting for the delay");
    a.call.cancel("session ended", null);
    assertTrue(channel.call().halfClosed, "no session left: the call ends");
    assertEquals(1, idle);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void runDue() {
    List<Runnable> now = new ArrayList<>(due);
    due.clear();
    now.forEach(Runnable::run);
  }

  private Session open(long sessionId) {
    Session s = new Session(mux.newCall());
    s.call.start(s, new Metadata());
    return s;
  }

  private static KeepAliveRequest request(long session, long requestId) {
    return KeepAliveRequest.newBuilder().setSessionId(session).setRequestId(requestId).build();
  }

  private static KeepAliveResponse response(long session, long requestId) {
    return KeepAliveResponse.newBuilder()
        .setSessionId(session)
        .setRequestId(requestId)
        .setLeaseMillis(12_000)
        .build();
  }

  private static List<Long> sessionsOf(KeepAliveBatch batch) {
    return batch.getRequestsList().stream().map(KeepAliveRequest::getSessionId).toList();
  }

  private static List<Long> sessionIdsOf(List<KeepAliveResponse> responses) {
    return responses.stream().map(KeepAliveResponse::getSessionId).toList();
  }

  /** One session's stream as KeepAliveStream sees it: what reached its listener. */
  private static final class Session extends ClientCall.Listener<KeepAliveResponse> {
    final ClientCall<KeepAliveRequest, KeepAliveResponse> call;
    final List<KeepAliveResponse> answers = new ArrayList<>();
    Status closed;
    Metadata trailers;

    Session(ClientCall<KeepAliveRequest, KeepAliveResponse> call) {
      this.call = call;
    }

    List<Long> answeredIds() {
      return answers.stream().map(KeepAliveResponse::getRequestId).toList();
    }

    @Override
    public void onMessage(KeepAliveResponse message) {
      answers.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      this.closed = status;
      this.trailers = trailers;
    }
  }

  /** A channel whose KeepAlives calls record what they are sent. */
  private static final class FakeChannel extends Channel {
    final List<FakeCall> calls = new ArrayList<>();

    FakeCall call() {
      return calls.get(calls.size() - 1);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
      FakeCall c = new FakeCall();
      calls.add(c);
      return (ClientCall<Q, A>) c;
    }

    @Override
    public String authority() {
      return "fake";
    }
  }

  private static final class FakeCall extends ClientCall<KeepAliveBatch, KeepAliveBatchResponse> {
    final List<KeepAliveBatch> sent = new ArrayList<>();
    Listener<KeepAliveBatchResponse> listener;
    boolean halfClosed;

    KeepAliveBatch last() {
      return sent.get(sent.size() - 1);
    }

    void answer(KeepAliveBatchResponse r) {
      listener.onMessage(r);
    }

    @Override
    public void start(Listener<KeepAliveBatchResponse> listener, Metadata headers) {
      this.listener = listener;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {
      halfClosed = true;
    }

    @Override
    public void sendMessage(KeepAliveBatch message) {
      sent.add(message);
    }
  }
}
