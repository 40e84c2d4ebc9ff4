package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.WatchGrpc;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Which unary methods may travel on a Calls stream (lockd.v1.Session/Calls), and how their requests
 * and answers go into and out of {@link CallRequest} and {@link CallResponse}.
 */
final class CallCodec<Q, A> {
  private static final Map<String, CallCodec<?, ?>> BY_METHOD = new HashMap<>();

  static {
    add(
        SessionGrpc.getCreateSessionMethod(),
        CallRequest.Builder::setCreateSession,
        CallResponse::getCreateSession,
        CallResponse.ResponseCase.CREATE_SESSION);
    add(
        SessionGrpc.getCloseSessionMethod(),
        CallRequest.Builder::setCloseSession,
        CallResponse::getCloseSession,
        CallResponse.ResponseCase.CLOSE_SESSION);
    add(
        NodeGrpc.getCreateMethod(),
        CallRequest.Builder::setCreateNode,
        CallResponse::getCreateNode,
        CallResponse.ResponseCase.CREATE_NODE);
    add(
        NodeGrpc.getDeleteMethod(),
        CallRequest.Builder::setDeleteNode,
        CallResponse::getDeleteNode,
        CallResponse.ResponseCase.DELETE_NODE);
    add(
        NodeGrpc.getSetContentsMethod(),
        CallRequest.Builder::setSetContents,
        CallResponse::getSetContents,
        CallResponse.ResponseCase.SET_CONTENTS);
    add(
        NodeGrpc.getGetStatMethod(),
        CallRequest.Builder::setGetStat,
        CallResponse::getGetStat,
        CallResponse.ResponseCase.GET_STAT);
    add(
        NodeGrpc.getGetContentsAndStatMethod(),
        CallRequest.Builder::setGetContentsAndStat,
        CallResponse::getGetContentsAndStat,
        CallResponse.ResponseCase.GET_CONTENTS_AND_STAT);
    add(
        NodeGrpc.getListChildrenMethod(),
        CallRequest.Builder::setListChildren,
        CallResponse::getListChildren,
        CallResponse.ResponseCase.LIST_CHILDREN);
    add(
        LockGrpc.getAcquireMethod(),
        CallRequest.Builder::setAcquire,
        CallResponse::getAcquire,
        CallResponse.ResponseCase.ACQUIRE);
    add(
        LockGrpc.getReleaseMethod(),
        CallRequest.Builder::setRelease,
        CallResponse::getRelease,
        CallResponse.ResponseCase.RELEASE);
    add(
        LockGrpc.getGetLockInfoMethod(),
        CallRequest.Builder::setGetLockInfo,
        CallResponse::getGetLockInfo,
        CallResponse.ResponseCase.GET_LOCK_INFO);
    add(
        LockGrpc.getCheckSequencerMethod(),
        CallRequest.Builder::setCheckSequencer,
        CallResponse::getCheckSequencer,
        CallResponse.ResponseCase.CHECK_SEQUENCER);
    add(
        WatchGrpc.getWatchMethod(),
        CallRequest.Builder::setWatch,
        CallResponse::getWatch,
        CallResponse.ResponseCase.WATCH);
    add(
        WatchGrpc.getUnwatchMethod(),
        CallRequest.Builder::setUnwatch,
        CallResponse::getUnwatch,
        CallResponse.ResponseCase.UNWATCH);
  }

  private final BiConsumer<CallRequest.Builder, Q> wrap;
  private final Function<CallResponse, A> unwrap;
  private final CallResponse.ResponseCase answerCase;

  private CallCodec(
      BiConsumer<CallRequest.Builder, Q> wrap,
      Function<CallResponse, A> unwrap,
      CallResponse.ResponseCase answerCase) {
    this.wrap = wrap;
    this.unwrap = unwrap;
    this.answerCase = answerCase;
  }

  private static <Q, A> void add(
      MethodDescriptor<Q, A> method,
      BiConsumer<CallRequest.Builder, Q> wrap,
      Function<CallResponse, A> unwrap,
      CallResponse.ResponseCase answerCase) {
    BY_METHOD.put(method.getFullMethodName(), new CallCodec<>(wrap, unwrap, answerCase));
  }

  /** The codec of {@code method}, or null if it cannot travel on a Calls stream. */
  @SuppressWarnings("unchecked")
  static <Q, A> CallCodec<Q, A> of(MethodDescriptor<Q, A> method) {
    return (CallCodec<Q, A>) BY_METHOD.get(method.getFullMethodName());
  }

  /** The request as a call (its id is set when it is sent). */
  CallRequest.Builder wrap(Q request) {
    CallRequest.Builder b = CallRequest.newBuilder();
    wrap.accept(b, request);
    return b;
  }

  /** The answer in {@code response}, or null if it holds another kind (a server bug). */
  A unwrap(CallResponse response) {
    return response.getResponseCase() == answerCase ? unwrap.apply(response) : null;
  }
}
