package io.lockd.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.server.grpc.GrpcErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One call on a replica's client port as {@link ClientPortFaults} shapes it: the server's answers
 * pass through here, where they may be dropped, doubled, held, replaced or stripped of hints.
 *
 * <p>The server sends on its replica's thread; a test releases held answers and takes replicas down
 * on its own. Every send to the real call therefore happens under this call's lock, and a call that
 * was closed (by the server or by a fault) takes nothing more.
 */
final class FaultyCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
  private enum Kind {
    /** A unary exactly-once mutation: its answer is kept until the close decides its fate. */
    MUTATION,
    KEEP_ALIVE,
    /** Session.KeepAlives: each session inside is shaped as a KeepAlive stream of its own. */
    KEEP_ALIVES,
    CALLS,
    OTHER
  }

  private final ClientPortFaults faults;
  private final int replica;
  private final String method;
  private final Kind kind;
  private final Object sendLock = new Object();
  private boolean ended;
  private boolean endedByFault;
  private final List<A> answer = new ArrayList<>();

  /** KeepAlive: requests received and not yet answered (an answer beyond them is a push). */
  private int answersOwed;

  private final List<A> heldPushes = new ArrayList<>();

  /** KeepAlives: per session, requests received and not yet answered. */
  private final Map<Long, Integer> answersOwedBySession = new java.util.HashMap<>();

  private final List<KeepAliveResponse> heldSessionPushes = new ArrayList<>();

  /** Calls stream: the unary method of each unanswered call. */
  private final Map<Long, String> callMethods = new ConcurrentHashMap<>();

  FaultyCall(ServerCall<Q, A> delegate, ClientPortFaults faults, int replica) {
    super(delegate);
    this.faults = faults;
    this.replica = replica;
    this.method = delegate.getMethodDescriptor().getFullMethodName();
    if (method.equals(SessionGrpc.getKeepAliveMethod().getFullMethodName())) {
      kind = Kind.KEEP_ALIVE;
    } else if (method.equals(SessionGrpc.getKeepAlivesMethod().getFullMethodName())) {
      kind = Kind.KEEP_ALIVES;
    } else if (method.equals(SessionGrpc.getCallsMethod().getFullMethodName())) {
      kind = Kind.CALLS;
    } else if (WireMethods.isMutation(method)) {
      kind = Kind.MUTATION;
    } else {
      kind = Kind.OTHER;
    }
  }

  int replica() {
    return replica;
  }

  /** A request message from the client, about to reach the server. */
  void received(Q message) {
    CallRequest r =
        kind == Kind.CALLS ? parsed(message, CallRequest.class, CallRequest.parser()) : null;
    if (r != null) {
      String unary = WireMethods.methodOf(r);
      callMethods.put(r.getCallId(), unary);
      faults.counted(replica, unary);
      return;
    }
    KeepAliveBatch batch =
        kind == Kind.KEEP_ALIVES
            ? parsed(message, KeepAliveBatch.class, KeepAliveBatch.parser())
            : null;
    if (batch != null) {
      String keepAlive = SessionGrpc.getKeepAliveMethod().getFullMethodName();
      for (KeepAliveRequest k : batch.getRequestsList()) {
        faults.counted(replica, keepAlive); // counted as the KeepAlive it stands for
        synchronized (sendLock) {
          answersOwedBySession.merge(k.getSessionId(), 1, Integer::sum);
        }
      }
      return;
    }
    faults.counted(replica, method);
    if (kind == Kind.KEEP_ALIVE) {
      synchronized (sendLock) {
        answersOwed++;
      }
    }
  }

  /**
   * The request as a {@code type} message. lockd's services take raw bytes and parse them
   * themselves (to refuse unreadable ones cleanly), so an interceptor on the port sees bytes; null
   * if they do not parse (the server refuses them; nothing to count).
   */
  private static <M> M parsed(Object message, Class<M> type, Parser<M> parser) {
    if (type.isInstance(message)) {
      return type.cast(message);
    }
    if (message instanceof byte[] bytes) {
      try {
        return parser.parseFrom(bytes);
      } catch (InvalidProtocolBufferException unreadable) {
        return null;
      }
    }
    return null;
  }

  boolean endedByFault() {
    synchronized (sendLock) {
      return endedByFault;
    }
  }

  /** The client's side is gone (cancelled or complete). */
  void gone() {
    synchronized (sendLock) {
      ended = true;
    }
    faults.closed(this);
  }

  @Override
  public void sendHeaders(Metadata headers) {
    synchronized (sendLock) {
      if (!ended) {
        super.sendHeaders(headers);
      }
    }
  }

  @Override
  public void sendMessage(A message) {
    synchronized (sendLock) {
      if (ended) {
        return;
      }
      switch (kind) {
        case MUTATION -> answer.add(message);
        case KEEP_ALIVE -> sendKeepAlive(message);
        case KEEP_ALIVES -> sendKeepAliveBatch(message);
        case CALLS -> sendCallResponse(message);
        default -> super.sendMessage(message);
      }
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    synchronized (sendLock) {
      if (ended) {
        return;
      }
      if (faults.hintsHidden()) {
        trailers.removeAll(GrpcErrors.LEADER_ID);
        trailers.removeAll(GrpcErrors.LEADER_ADDRESS);
      }
      if (kind == Kind.MUTATION && executed(status.getCode().value())) {
        switch (faults.answerFault()) {
          case LOSE -> {
            answer.clear();
            finish(
                Status.UNAVAILABLE.withDescription(ClientPortFaults.LOST_ANSWER), new Metadata());
            return;
          }
          case HOLD -> {
            faults.hold(() -> finishHeld(status, trailers));
            return;
          }
          default -> {}
        }
      }
      if ((kind == Kind.KEEP_ALIVE || kind == Kind.KEEP_ALIVES)
          && !faults.keepAliveAnswersSilenced()) {
        sendPushes();
      }
      finish(status, trailers);
    }
  }

  /** Ends the call as a fault would (a replica going down): UNAVAILABLE, nothing more. */
  void endByFault(Status status) {
    synchronized (sendLock) {
      if (ended) {
        return;
      }
      endedByFault = true;
      answer.clear();
      heldPushes.clear();
      heldSessionPushes.clear();
      finish(status, new Metadata());
    }
  }

  /** Sends the pushes held back (pushes were let go again). */
  void flushPushes() {
    synchronized (sendLock) {
      if (!ended) {
        sendPushes();
      }
    }
  }

  private void finishHeld(Status status, Metadata trailers) {
    synchronized (sendLock) {
      if (!ended) {
        finish(status, trailers);
      }
    }
  }

  private void finish(Status status, Metadata trailers) {
    ended = true;
    try {
      for (A m : answer) {
        super.sendMessage(m);
      }
      answer.clear();
      super.close(status, trailers);
    } catch (IllegalStateException alreadyClosed) {
      // the client cancelled while the answer was held: there is nobody to tell
    }
    faults.closed(this);
  }

  private void sendKeepAlive(A response) {
    boolean isAnswer = answersOwed > 0;
    if (isAnswer) {
      answersOwed--;
    }
    if (faults.keepAliveAnswersSilenced()) {
      return;
    }
    if (!isAnswer && faults.pushesHeld()) {
      heldPushes.add(response);
      return;
    }
    sendPushes(); // held events go before the answer that follows them in the log
    sendTwiceIfAsked(response);
  }

  private void sendPushes() {
    for (A push : heldPushes) {
      sendTwiceIfAsked(push);
    }
    heldPushes.clear();
    if (!heldSessionPushes.isEmpty()) {
      sendBatch(KeepAliveBatchResponse.newBuilder().addAllResponses(heldSessionPushes).build());
      heldSessionPushes.clear();
    }
  }

  /**
   * A KeepAlives message: each session's responses are answers or pushes as on its own stream
   * (silenced, held or doubled alike); the endings of sessions' streams always pass.
   */
  private void sendKeepAliveBatch(A message) {
    if (!(message instanceof KeepAliveBatchResponse batch)) {
      super.sendMessage(message);
      return;
    }
    KeepAliveBatchResponse.Builder out = KeepAliveBatchResponse.newBuilder();
    for (KeepAliveResponse r : batch.getResponsesList()) {
      Integer owed = answersOwedBySession.get(r.getSessionId());
      boolean isAnswer = owed != null && owed > 0;
      if (isAnswer) {
        answersOwedBySession.merge(r.getSessionId(), -1, Integer::sum);
      }
      if (faults.keepAliveAnswersSilenced()) {
        continue;
      }
      if (!isAnswer && faults.pushesHeld()) {
        heldSessionPushes.add(r);
        continue;
      }
      if (!heldSessionPushes.isEmpty()) { // held events go before the answer that follows them
        out.addAllResponses(heldSessionPushes);
        heldSessionPushes.clear();
      }
      out.addResponses(r);
    }
    out.addAllEnded(batch.getEndedList());
    if (out.getResponsesCount() > 0 || out.getEndedCount() > 0) {
      sendBatch(out.build());
    }
  }

  @SuppressWarnings("unchecked") // the KeepAlives method's responses are KeepAliveBatchResponses
  private void sendBatch(KeepAliveBatchResponse batch) {
    if (faults.keepAliveResponsesDuplicated()) {
      KeepAliveBatchResponse.Builder twice = KeepAliveBatchResponse.newBuilder();
      for (KeepAliveResponse r : batch.getResponsesList()) {
        twice.addResponses(r).addResponses(r);
      }
      batch = twice.addAllEnded(batch.getEndedList()).build();
    }
    super.sendMessage((A) batch);
  }

  private void sendTwiceIfAsked(A response) {
    super.sendMessage(response);
    if (faults.keepAliveResponsesDuplicated()) {
      super.sendMessage(response);
    }
  }

  @SuppressWarnings("unchecked") // the Calls method's responses are CallResponses
  private void sendCallResponse(A message) {
    if (!(message instanceof CallResponse response)) {
      super.sendMessage(message);
      return;
    }
    String unary = callMethods.remove(response.getCallId());
    CallResponse out = faults.hintsHidden() ? withoutHint(response) : response;
    if (unary != null && WireMethods.isMutation(unary) && executed(out)) {
      switch (faults.answerFault()) {
        case LOSE -> out = lost(out.getCallId());
        case HOLD -> {
          CallResponse held = out;
          faults.hold(() -> sendHeld((A) held));
          return;
        }
        default -> {}
      }
    }
    super.sendMessage((A) out);
  }

  private void sendHeld(A response) {
    synchronized (sendLock) {
      if (ended) {
        return;
      }
      try {
        super.sendMessage(response);
      } catch (IllegalStateException alreadyClosed) {
        // the stream ended while the answer was held
      }
    }
  }

  private static boolean executed(int statusCode) {
    return statusCode != Status.Code.UNAVAILABLE.value();
  }

  private static boolean executed(CallResponse r) {
    return !r.hasError() || executed(r.getError().getCode());
  }

  private static CallResponse withoutHint(CallResponse r) {
    if (!r.hasError()) {
      return r;
    }
    CallError e = r.getError().toBuilder().clearLeaderId().clearLeaderAddress().build();
    return r.toBuilder().setError(e).build();
  }

  private static CallResponse lost(long callId) {
    return CallResponse.newBuilder()
        .setCallId(callId)
        .setError(
            CallError.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value())
                .setDetail(ErrorDetail.newBuilder().setMessage(ClientPortFaults.LOST_ANSWER)))
        .build();
  }
}
