package io.lockd.server.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.CheckSequencerResponse;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.DeleteNodeResponse;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ReleaseResponse;
import io.lockd.proto.v1.SetContentsResponse;
import io.lockd.proto.v1.UnwatchResponse;
import io.lockd.proto.v1.WatchResponse;
import io.lockd.server.CellServer;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Calls stream (lockd.v1.Session/Calls): each request runs on the replica's loop exactly as its
 * unary method does, and its answer or error goes back on the stream under the request's call id.
 * Answers come from the loop thread, refusals also from the gRPC thread; one lock keeps writes to
 * the stream serial. The stream half-closed by the client ends once every call has its answer.
 */
final class CallStream implements StreamObserver<CallRequest> {
  private static final Logger log = LoggerFactory.getLogger(CallStream.class);

  private final CellGateway gateway;
  private final ServerCallStreamObserver<CallResponse> out;
  private final int maxCalls;
  private final Admission admission;
  private final AtomicInteger unanswered = new AtomicInteger();
  // Guarded by this.
  private boolean ended;
  private boolean halfClosed;

  CallStream(
      CellGateway gateway,
      ServerCallStreamObserver<CallResponse> out,
      int maxCalls,
      Admission admission) {
    this.admission = admission;
    this.gateway = gateway;
    this.out = out;
    this.maxCalls = maxCalls;
    out.setOnCancelHandler(
        () -> {
          synchronized (this) {
            ended = true;
          }
        });
  }

  @Override
  public void onNext(CallRequest r) {
    long id = r.getCallId();
    if (id == 0 || r.getRequestCase() == CallRequest.RequestCase.REQUEST_NOT_SET) {
      end(
          Status.INVALID_ARGUMENT.withDescription(
              id == 0
                  ? "call_id must not be 0"
                  : "call " + id + " has no request body (unknown kind?)"));
      return;
    }
    if (unanswered.incrementAndGet() > maxCalls) {
      answer(
          errorResponse(
              id,
              new ServerError(
                  ServerError.RESOURCE_EXHAUSTED,
                  ErrorReason.ERROR_REASON_LIMIT_REACHED,
                  "more than "
                      + maxCalls
                      + " calls unanswered on this stream (the server's calls-per-stream limit)",
                  ServerError.NO_HINT)));
      return;
    }
    String caller = CallerIdentity.current(); // the call's context: not there on the loop thread
    switch (r.getRequestCase()) {
      case CREATE_SESSION -> {
        ServerError busy = admission.admitCreation();
        if (busy != null) {
          answer(errorResponse(id, busy));
          return;
        }
        this.<CreateSessionResponse>run(
            id,
            CallResponse.Builder::setCreateSession,
            (cell, reply) -> cell.createSession(caller, r.getCreateSession(), reply),
            admission::creationDone);
      }
      case CLOSE_SESSION ->
          this.<CloseSessionResponse>run(
              id,
              CallResponse.Builder::setCloseSession,
              (cell, reply) -> cell.closeSession(caller, r.getCloseSession(), reply));
      case CREATE_NODE ->
          this.<CreateNodeResponse>run(
              id,
              CallResponse.Builder::setCreateNode,
              (cell, reply) -> cell.createNode(caller, r.getCreateNode(), reply));
      case DELETE_NODE ->
          this.<DeleteNodeResponse>run(
              id,
              CallResponse.Builder::setDeleteNode,
              (cell, reply) -> cell.deleteNode(caller, r.getDeleteNode(), reply));
      case SET_CONTENTS ->
          this.<SetContentsResponse>run(
              id,
              CallResponse.Builder::setSetContents,
              (cell, reply) -> cell.setContents(caller, r.getSetContents(), reply));
      case GET_STAT ->
          this.<GetStatResponse>run(
              id,
              CallResponse.Builder::setGetStat,
              (cell, reply) -> cell.getStat(caller, r.getGetStat(), reply));
      case GET_CONTENTS_AND_STAT ->
          this.<GetContentsAndStatResponse>run(
              id,
              CallResponse.Builder::setGetContentsAndStat,
              (cell, reply) -> cell.getContentsAndStat(caller, r.getGetContentsAndStat(), reply));
      case LIST_CHILDREN ->
          this.<ListChildrenResponse>run(
              id,
              CallResponse.Builder::setListChildren,
              (cell, reply) -> cell.listChildren(caller, r.getListChildren(), reply));
      case ACQUIRE ->
          this.<AcquireResponse>run(
              id,
              CallResponse.Builder::setAcquire,
              (cell, reply) -> cell.acquire(caller, r.getAcquire(), reply));
      case RELEASE ->
          this.<ReleaseResponse>run(
              id,
              CallResponse.Builder::setRelease,
              (cell, reply) -> cell.release(caller, r.getRelease(), reply));
      case GET_LOCK_INFO ->
          this.<GetLockInfoResponse>run(
              id,
              CallResponse.Builder::setGetLockInfo,
              (cell, reply) -> cell.getLockInfo(caller, r.getGetLockInfo(), reply));
      case CHECK_SEQUENCER ->
          this.<CheckSequencerResponse>run(
              id,
              CallResponse.Builder::setCheckSequencer,
              (cell, reply) -> cell.checkSequencer(caller, r.getCheckSequencer(), reply));
      case WATCH ->
          this.<WatchResponse>run(
              id,
              CallResponse.Builder::setWatch,
              (cell, reply) -> cell.watch(caller, r.getWatch(), reply));
      case UNWATCH ->
          this.<UnwatchResponse>run(
              id,
              CallResponse.Builder::setUnwatch,
              (cell, reply) -> cell.unwatch(caller, r.getUnwatch(), reply));
      default -> throw new IllegalStateException("unhandled request " + r.getRequestCase());
    }
  }

  @Override
  public void onError(Throwable t) {
    // The client went away; answers still on their way are dropped when they arrive.
    synchronized (this) {
      ended = true;
    }
  }

  @Override
  public void onCompleted() {
    synchronized (this) {
      halfClosed = true;
      completeIfDone();
    }
  }

  private <T> void run(
      long id, BiConsumer<CallResponse.Builder, T> set, BiConsumer<CellServer, Reply<T>> handler) {
    run(id, set, handler, () -> {});
  }

  /** The same; {@code answered} runs once the call is answered, whatever the answer. */
  private <T> void run(
      long id,
      BiConsumer<CallResponse.Builder, T> set,
      BiConsumer<CellServer, Reply<T>> handler,
      Runnable answered) {
    Reply<T> reply =
        new Reply<>() {
          @Override
          public void ok(T value) {
            answered.run();
            CallResponse.Builder b = CallResponse.newBuilder().setCallId(id);
            set.accept(b, value);
            answer(b.build());
          }

          @Override
          public void error(ServerError error) {
            answered.run();
            answer(errorResponse(id, error));
          }
        };
    gateway.run(reply, cell -> handler.accept(cell, reply));
  }

  private CallResponse errorResponse(long id, ServerError error) {
    return CallResponse.newBuilder()
        .setCallId(id)
        .setError(gateway.errors().toCallError(error))
        .build();
  }

  private void answer(CallResponse response) {
    unanswered.decrementAndGet();
    synchronized (this) {
      if (ended) {
        return;
      }
      try {
        out.onNext(response);
      } catch (RuntimeException e) {
        ended = true; // the call ended under us (cancelled); nobody reads the rest
        log.debug("answer to call {} not delivered: {}", response.getCallId(), e.toString());
        return;
      }
      completeIfDone();
    }
  }

  /** Ends the stream after the client's half-close once nothing is left to answer. */
  private void completeIfDone() {
    if (halfClosed && !ended && unanswered.get() <= 0) {
      ended = true;
      out.onCompleted();
    }
  }

  private void end(Status status) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      out.onError(status.asRuntimeException());
    }
  }
}
