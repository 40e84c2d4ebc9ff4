package io.lockd.client;

import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.SessionGrpc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's Calls stream (lockd.v1.Session/Calls) to one replica: its requests multiplexed by
 * call id on one long-lived gRPC stream, which costs far less per request than a unary call (no
 * HTTP/2 stream, headers and trailers each). Each request gets its answer, or its error as the
 * status and trailers the unary call would have ended with, so that {@link Rpc} treats both alike.
 * A broken stream fails every request on it and the next request opens a new stream. A request
 * unanswered after its timeout fails DEADLINE_EXCEEDED, and the stream is dropped as well: the
 * server answers every request, so silence means the connection under it may be gone without a word
 * (a network that drops packets), which for a unary call its deadline would have ended; the other
 * requests on it fail too and are retried (with their sequence numbers). A server without the
 * method (UNIMPLEMENTED) makes {@link #supported} false for good: the caller then uses unary calls.
 * Loop thread only.
 */
final class CallStream {
  /** How a request ended: {@code answer} on success, else {@code status} and its trailers. */
  interface Outcome {
    void done(CallResponse answer, Status status, Metadata trailers);
  }

  private record Pending(Outcome outcome, ClientClock.Cancellable timer) {}

  private final ManagedChannel channel;
  private final LeaderRouter router;
  private final ClientClock clock;
  private final Map<Long, Pending> pending = new HashMap<>();
  private ClientCall<CallRequest, CallResponse> call;
  private long nextId;
  private boolean supported = true;

  CallStream(ManagedChannel channel, LeaderRouter router, ClientClock clock) {
    this.channel = channel;
    this.router = router;
    this.clock = clock;
  }

  /** False once the replica answered the stream UNIMPLEMENTED (an older server). */
  boolean supported() {
    return supported;
  }

  /**
   * Sends {@code request}; {@code outcome} hears exactly once, unless the returned handle is
   * cancelled first. Opens the stream if none is open.
   */
  ClientClock.Cancellable send(CallRequest.Builder request, long timeoutNanos, Outcome outcome) {
    if (call == null) {
      open();
    }
    long id = ++nextId;
    ClientClock.Cancellable timer = clock.schedule(timeoutNanos, () -> expire(id));
    pending.put(id, new Pending(outcome, timer));
    ClientCall<CallRequest, CallResponse> current = call;
    current.sendMessage(request.setCallId(id).build());
    return () -> {
      Pending p = pending.remove(id);
      if (p != null) {
        p.timer.cancel();
      }
    };
  }

  /** Ends the stream (the client is closing); unanswered requests fail CANCELLED. */
  void close() {
    drop("the lockd client is closing", Status.CANCELLED);
  }

  private void open() {
    ClientCall<CallRequest, CallResponse> c =
        channel.newCall(SessionGrpc.getCallsMethod(), router.callOptions());
    call = c;
    c.start(new Listener(c), new Metadata());
    c.request(Integer.MAX_VALUE); // answers are bounded by the requests this client sent
  }

  private void expire(long id) {
    Pending p = pending.remove(id);
    if (p != null) {
      p.outcome.done(
          null,
          Status.DEADLINE_EXCEEDED.withDescription(
              "no answer on the Calls stream within the attempt timeout"),
          new Metadata());
      drop("a request on the Calls stream went unanswered", Status.UNAVAILABLE);
    }
  }

  /** Cancels the stream now and fails what is pending on it; the next request opens another. */
  private void drop(String why, Status status) {
    ClientCall<CallRequest, CallResponse> dropped = call;
    if (dropped == null) {
      return;
    }
    call = null; // its own close, when it comes, is ignored
    dropped.cancel(why, null);
    failPending(status.withDescription(why), new Metadata());
  }

  private void onAnswer(CallResponse r) {
    Pending p = pending.remove(r.getCallId());
    if (p == null) {
      return; // given up on (timed out or cancelled) before the answer came
    }
    p.timer.cancel();
    if (!r.hasError()) {
      p.outcome.done(r, Status.OK, null);
      return;
    }
    CallError e = r.getError();
    Metadata trailers = new Metadata();
    trailers.put(Errors.ERROR_DETAIL, e.getDetail());
    if (e.hasLeaderId() && !e.getLeaderAddress().isEmpty()) {
      trailers.put(Errors.LEADER_ID, Integer.toString(e.getLeaderId()));
      trailers.put(Errors.LEADER_ADDRESS, e.getLeaderAddress());
    }
    p.outcome.done(
        null,
        Status.fromCodeValue(e.getCode()).withDescription(e.getDetail().getMessage()),
        trailers);
  }

  private void onClose(
      ClientCall<CallRequest, CallResponse> closed, Status status, Metadata trailers) {
    if (closed != call) {
      return;
    }
    call = null;
    if (status.getCode() == Status.Code.UNIMPLEMENTED) {
      supported = false;
    }
    failPending(
        status.isOk()
            ? Status.UNAVAILABLE.withDescription("the server ended the Calls stream")
            : status,
        trailers);
  }

  private void failPending(Status failure, Metadata trailers) {
    List<Pending> failed = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending p : failed) {
      p.timer.cancel();
      p.outcome.done(null, failure, trailers);
    }
  }

  /** Runs on the loop: the calls' executor. */
  private final class Listener extends ClientCall.Listener<CallResponse> {
    private final ClientCall<CallRequest, CallResponse> self;

    Listener(ClientCall<CallRequest, CallResponse> self) {
      this.self = self;
    }

    @Override
    public void onMessage(CallResponse message) {
      onAnswer(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      CallStream.this.onClose(self, status, trailers);
    }
  }
}
