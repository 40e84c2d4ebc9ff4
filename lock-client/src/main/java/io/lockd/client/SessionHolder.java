package io.lockd.client;

import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.SessionGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The client's current session: opened on first need (callers that arrive while it is being created
 * wait for the same one), replaced after it ends, closed with the client. Loop thread only, except
 * {@link #isClosed}.
 */
final class SessionHolder {
  private final ClientContext ctx;
  private volatile boolean closed;
  private volatile Session current; // written on the loop; read elsewhere only for statistics
  private List<BiConsumer<Session, LockdException>> waiting;

  SessionHolder(ClientContext ctx) {
    this.ctx = ctx;
  }

  boolean isClosed() {
    return closed;
  }

  /** The open session, or null. */
  Session current() {
    return current != null && !current.stateOnLoop().isTerminal() ? current : null;
  }

  /** The latest session, from any thread (for statistics only: it may be changing). */
  Session latest() {
    return current;
  }

  /** Runs {@code k} with the open session, opening one first if needed. */
  void with(BiConsumer<Session, LockdException> k) {
    if (closed) {
      k.accept(null, Errors.closed());
      return;
    }
    Session s = current();
    if (s != null) {
      k.accept(s, null);
      return;
    }
    if (waiting != null) {
      waiting.add(k);
      return;
    }
    waiting = new ArrayList<>();
    waiting.add(k);
    long sentNanos = ctx.clock.nanoTime();
    CreateSessionRequest request =
        CreateSessionRequest.newBuilder()
            .setClientName(ctx.clientName)
            .setRequestedLeaseMillis(ctx.requestedLeaseMillis)
            .setCache(ctx.cacheMaxEntries > 0)
            .build();
    ctx.rpc.start(
        SessionGrpc.getCreateSessionMethod(),
        request,
        true,
        ctx.operationDeadline(),
        (CreateSessionResponse answer, LockdException error) -> created(answer, error, sentNanos));
  }

  private void created(CreateSessionResponse answer, LockdException error, long sentNanos) {
    List<BiConsumer<Session, LockdException>> callers = waiting;
    waiting = null;
    Session s = null;
    if (error == null) {
      Session[] self = new Session[1];
      s =
          new Session(
              ctx,
              answer.getSessionId(),
              answer.getLeaseMillis(),
              answer.getIndex(),
              sentNanos,
              () -> {
                if (current == self[0]) {
                  current = null;
                }
              });
      self[0] = s;
      current = s;
      s.start(sentNanos);
      if (closed) {
        s.closeAsync();
      }
    }
    for (BiConsumer<Session, LockdException> k : callers) {
      k.accept(s, error);
    }
  }

  /** Stops new work and closes the session; the future completes when the session is over. */
  CompletableFuture<Void> beginClose() {
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.loop.execute(
        () -> {
          Session s = current();
          if (s == null) {
            done.complete(null); // none, or one being created, which closes itself on arrival
          } else {
            s.closeAsync().whenComplete((v, t) -> done.complete(null));
          }
        });
    return done;
  }

  /** Ends the session locally without waiting for the cell. */
  void abandon() {
    if (current != null) {
      current.abandon();
    }
  }
}
