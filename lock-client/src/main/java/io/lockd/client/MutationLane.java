package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.RequestHeader;
import java.util.ArrayDeque;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A session's mutating requests, one at a time, in submission order (the proto's rule: one
 * outstanding mutating request per session). Each gets the next sequence number when its turn
 * comes, and is sent (with that same number) until a final answer arrives: a retry after a lost
 * answer or a leader change gets the cell's remembered answer instead of being applied again. There
 * is no deadline: a mutation ends with its answer or with the session ({@link #failAll}). A
 * mutation whose caller gave up before its turn is {@link #withdraw withdrawn}: never sent, so a
 * backlog of requests nobody waits for cannot build up ahead of live ones.
 *
 * <p>At most {@code maxQueued} mutations wait; more are refused (RESOURCE_EXHAUSTED). Loop thread
 * only.
 */
final class MutationLane {
  /** One mutating request. */
  static final class Mutation<Q, A> {
    private static final LongConsumer NO_SEQUENCE_LISTENER = s -> {};

    private final MethodDescriptor<Q, A> method;
    private final long sessionId;
    private final Function<RequestHeader, Q> request;
    private final BiConsumer<A, LockdException> onAnswer;
    private LongConsumer onSequence = NO_SEQUENCE_LISTENER;

    /**
     * @param request builds the request around its header (this session, the sequence number)
     * @param onAnswer gets the final answer or error, on the loop
     */
    Mutation(
        MethodDescriptor<Q, A> method,
        long sessionId,
        Function<RequestHeader, Q> request,
        BiConsumer<A, LockdException> onAnswer) {
      this.method = method;
      this.sessionId = sessionId;
      this.request = request;
      this.onAnswer = onAnswer;
    }

    /** Called with the sequence number just before the first attempt is sent. */
    Mutation<Q, A> onSequence(LongConsumer onSequence) {
      this.onSequence = onSequence;
      return this;
    }

    String name() {
      return method.getBareMethodName();
    }

    private Q request(long sequence) {
      return request.apply(
          RequestHeader.newBuilder().setSessionId(sessionId).setSequence(sequence).build());
    }
  }

  private final Rpc rpc;
  private final int maxQueued;
  private final Consumer<SessionExpiredException> onSessionGone;
  private final ArrayDeque<Mutation<?, ?>> queue = new ArrayDeque<>();
  private Rpc.Call<?, ?> current;
  private Mutation<?, ?> currentMutation;
  private long lastSequence;
  private LockdException ended;

  MutationLane(Rpc rpc, int maxQueued, Consumer<SessionExpiredException> onSessionGone) {
    this.rpc = rpc;
    this.maxQueued = maxQueued;
    this.onSessionGone = onSessionGone;
  }

  /** Queues {@code m}; returns it, the handle to {@link #withdraw} it by. */
  <Q, A> Mutation<Q, A> submit(Mutation<Q, A> m) {
    if (ended != null) {
      m.onAnswer.accept(null, ended);
      return m;
    }
    if (queue.size() >= maxQueued) {
      m.onAnswer.accept(
          null,
          new LockdException(
              Status.Code.RESOURCE_EXHAUSTED,
              LockdException.Reason.LIMIT_REACHED,
              "too many requests queued on this session (limit " + maxQueued + ")"));
      return m;
    }
    queue.add(m);
    pump();
    return m;
  }

  /**
   * Takes {@code m} out of the queue if it has not been sent: true if it never will be (its {@code
   * onAnswer} is not called then). False if it was sent already (it runs to its answer, as the
   * sequence numbers require) or has ended.
   */
  boolean withdraw(Mutation<?, ?> m) {
    return queue.remove(m);
  }

  /** The sequence number of the newest request sent (0 before the first). */
  long lastSequence() {
    return lastSequence;
  }

  /** Number of mutations sent or waiting. */
  int pending() {
    return queue.size() + (current == null ? 0 : 1);
  }

  /** Ends the lane: the request in flight and every waiting one fail with {@code error}. */
  void failAll(LockdException error) {
    if (ended != null) {
      return;
    }
    ended = error;
    if (current != null) {
      current.cancel(error);
    }
    while (!queue.isEmpty()) {
      fail(queue.poll(), error);
    }
  }

  private static <Q, A> void fail(Mutation<Q, A> m, LockdException error) {
    m.onAnswer.accept(null, error);
  }

  private void pump() {
    if (current != null || queue.isEmpty() || ended != null) {
      return;
    }
    send(queue.poll());
  }

  private <Q, A> void send(Mutation<Q, A> m) {
    long sequence = ++lastSequence;
    m.onSequence.accept(sequence);
    currentMutation = m;
    Rpc.Call<Q, A> call =
        rpc.start(
            m.method,
            m.request(sequence),
            true,
            Rpc.NO_DEADLINE,
            (answer, error) -> answered(m, answer, error));
    if (currentMutation == m) {
      current = call; // not answered at once (a closed client answers at once)
    }
  }

  private <Q, A> void answered(Mutation<Q, A> m, A answer, LockdException error) {
    if (currentMutation == m) {
      current = null;
      currentMutation = null;
    }
    m.onAnswer.accept(answer, error);
    if (error instanceof SessionExpiredException gone) {
      onSessionGone.accept(gone);
    }
    pump();
  }
}
