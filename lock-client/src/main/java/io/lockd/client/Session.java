package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's lease on the cell. Ephemeral nodes, held and queued locks, and watches belong to a
 * session and go with it. A {@link LockClient} opens one when first needed and keeps it alive with
 * a KeepAlive stream to the leader, which also carries the session's events.
 *
 * <p><b>Local lease.</b> The client counts the lease the leader reports from the time it
 * <em>sent</em> the KeepAlive that the report answers, shortened for the clock-drift bound; so the
 * local lease always ends before the cell's. When it runs out the session enters {@link
 * SessionState#JEOPARDY}: locks may be lost (their callbacks fire) while the client keeps trying
 * every replica. If a leader answers within the grace period (default 45 s) the session is {@link
 * SessionState#CONNECTED} again, with its locks; otherwise it is {@link SessionState#EXPIRED}. See
 * docs/client.md for the state diagram.
 *
 * <p><b>Events</b> are processed in index order, each exactly once: the client remembers the last
 * index it processed and resumes the stream from there on any leader. If the cell's history for the
 * session overflowed, listeners get {@link SessionListener#onResync}.
 *
 * <pre>{@code
 * Session s = client.session();
 * s.addListener((session, from, to) -> log.info("session {}: {} -> {}", session.id(), from, to));
 * }</pre>
 *
 * <p>Thread-safe. Listeners run on the client's event thread, in order.
 */
public final class Session {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private final long id;
  private final long leaseMillis;
  private final ClientContext ctx;
  private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Runnable onEnded;

  // Loop-confined state.
  private final KeepAliveStream stream;
  private final MutationLane lane;
  private final DeliveryOrder order;
  private final SessionLocks locks = new SessionLocks();
  private final WatchTable watches;

  /** Null unless the client caches (LockClient.Builder#cache). */
  private final FileCache cache;

  private SessionState state = SessionState.CONNECTED;
  private long lastSeenEventIndex;
  private long localLeaseEndNanos;
  private ClientClock.Cancellable leaseTimer = ClientClock.Cancellable.NONE;
  private ClientClock.Cancellable graceTimer = ClientClock.Cancellable.NONE;
  private boolean closing;

  // Published copies for other threads.
  private volatile SessionState publishedState = SessionState.CONNECTED;
  private volatile long publishedLastSeen;

  Session(
      ClientContext ctx,
      long id,
      long leaseMillis,
      long createdIndex,
      long createSentNanos,
      Runnable onEnded) {
    this.ctx = ctx;
    this.id = id;
    this.leaseMillis = leaseMillis;
    this.onEnded = onEnded;
    this.lastSeenEventIndex = createdIndex;
    this.publishedLastSeen = createdIndex;
    this.stream =
        new KeepAliveStream(
            ctx.rpc,
            ctx.clock,
            ctx.backoff,
            ctx.attemptTimeoutNanos,
            id,
            keepAliveInterval(leaseMillis),
            this::describeKeepAlive,
            new KeepAliveStream.Handler() {
              @Override
              public void onResponse(KeepAliveResponse response, long sendNanos) {
                Session.this.onKeepAlive(response, sendNanos);
              }

              @Override
              public void onSessionNotFound(String message) {
                expire("the cell does not know the session any more: " + message);
              }

              @Override
              public void onRefused(LockdException error) {
                expire("its KeepAlive stream was refused: " + error.getMessage());
              }
            });
    this.order = new DeliveryOrder(stream::sendNow);
    this.order.reached(createdIndex);
    this.lane =
        new MutationLane(
            ctx.rpc,
            ctx.maxQueuedPerSession,
            gone -> expire("the cell does not know the session any more: " + gone.getMessage()));
    this.watches = new WatchTable(this, ctx, order);
    this.localLeaseEndNanos = createSentNanos + ctx.usableLeaseNanos(leaseMillis);
    this.cache =
        ctx.cacheMaxEntries > 0 ? new FileCache(ctx.cacheMaxEntries, ctx.cacheCounters) : null;
  }

  private void describeKeepAlive(KeepAliveRequest.Builder request) {
    request.setLastSeenEventIndex(lastSeenEventIndex);
    if (cache != null) {
      cache.describe(request);
    }
  }

  /** Starts the KeepAlive stream and the lease timer; on the loop. */
  void start(long createSentNanos) {
    stream.start(createSentNanos);
    armLeaseTimer();
  }

  private static long keepAliveInterval(long leaseMillis) {
    return TimeUnit.MILLISECONDS.toNanos(Math.max(1, leaseMillis / 3));
  }

  /** The session's id, as shown by lockctl and carried in sequencers. */
  public long id() {
    return id;
  }

  /** The lease the cell granted. */
  public Duration lease() {
    return Duration.ofMillis(leaseMillis);
  }

  /** The current state (a snapshot: it may change at any moment). */
  public SessionState state() {
    return publishedState;
  }

  /** The index of the newest event this client has processed for the session. */
  public long lastEventIndex() {
    return publishedLastSeen;
  }

  /** Adds a listener for state transitions and resyncs. */
  public void addListener(SessionListener listener) {
    listeners.add(listener);
  }

  public void removeListener(SessionListener listener) {
    listeners.remove(listener);
  }

  /**
   * Ends the session cleanly: its locks are released without lock-delay, its ephemeral nodes
   * deleted. Waits at most the client's operation timeout; if no leader answers by then the session
   * is closed here and the close goes on in the background while the client is open, so the cell
   * releases the locks as soon as a leader is back (or expires the session itself).
   */
  public void close() {
    ctx.dispatcher.checkNotDispatchThread();
    closeAsync()
        .orTimeout(ctx.operationTimeoutMillis() + 1000, TimeUnit.MILLISECONDS)
        .exceptionally(t -> null)
        .join();
  }

  /** {@link #close} without waiting; the future completes when the session is closed. */
  public CompletableFuture<Void> closeAsync() {
    ctx.loop.execute(this::beginClose);
    return closed.copy();
  }

  /** A future completed (on the event thread) when the session becomes EXPIRED or CLOSED. */
  public CompletableFuture<Void> endedFuture() {
    return closed.copy();
  }

  @Override
  public String toString() {
    return "Session{" + id + ", " + publishedState + "}";
  }

  // ------------------------------------------------------------------ loop-side API for the client

  SessionState stateOnLoop() {
    return state;
  }

  /** Whether a KeepAlive request is waiting for its answer (loop thread). */
  boolean keepAliveAwaitingAnswer() {
    return stream.awaitingAnswer();
  }

  long lastSeenEventIndex() {
    return lastSeenEventIndex;
  }

  SessionLocks locks() {
    return locks;
  }

  WatchTable watches() {
    return watches;
  }

  DeliveryOrder order() {
    return order;
  }

  /** The session's cache, or null if the client does not cache. */
  FileCache cache() {
    return cache;
  }

  /**
   * A cached file if the session may serve from its cache now: connected and within its local lease
   * (checked here, not only by the lease timer, which may run late after a pause).
   */
  NodeData cached(String path) {
    if (cache == null) {
      return null;
    }
    if (state != SessionState.CONNECTED || ctx.clock.nanoTime() >= localLeaseEndNanos) {
      cache.clear();
      return null;
    }
    return cache.get(path);
  }

  ClientContext context() {
    return ctx;
  }

  int pendingMutations() {
    return lane.pending();
  }

  /** Queues a mutating request; {@code request} builds it around the session's header. */
  <Q, A> MutationLane.Mutation<Q, A> submit(
      MethodDescriptor<Q, A> method,
      Function<RequestHeader, Q> request,
      BiConsumer<A, LockdException> onAnswer) {
    return lane.submit(new MutationLane.Mutation<>(method, id, request, onAnswer));
  }

  /** As above; {@code onSequence} learns the request's sequence number before it is sent. */
  <Q, A> MutationLane.Mutation<Q, A> submit(
      MethodDescriptor<Q, A> method,
      Function<RequestHeader, Q> request,
      BiConsumer<A, LockdException> onAnswer,
      java.util.function.LongConsumer onSequence) {
    return lane.submit(
        new MutationLane.Mutation<>(method, id, request, onAnswer).onSequence(onSequence));
  }

  /** Takes a mutation whose caller gave up out of the queue, unless it was sent (true if so). */
  boolean withdraw(MutationLane.Mutation<?, ?> m) {
    return lane.withdraw(m);
  }

  /** Ends the session locally because the grace period ran out or the cell ended it. */
  void expire(String why) {
    if (state.isTerminal()) {
      return;
    }
    if (closing) {
      // Our own CloseSession ended it; the stream may say so before the close is answered.
      end(SessionState.CLOSED, new SessionExpiredException(id, "session " + id + " was closed"));
      return;
    }
    log.info("session {} expired: {}", id, why);
    end(
        SessionState.EXPIRED,
        new SessionExpiredException(id, "session " + id + " expired: " + why));
  }

  /** Abandons the session without telling the cell (the client is closing and out of time). */
  void abandon() {
    if (!state.isTerminal()) {
      end(SessionState.CLOSED, Errors.closed());
    }
  }

  // ------------------------------------------------------------------ KeepAlive and lease

  private void onKeepAlive(KeepAliveResponse r, long sendNanos) {
    if (state.isTerminal()) {
      return;
    }
    if (r.getLeaseMillis() > 0) {
      stream.setIntervalNanos(keepAliveInterval(r.getLeaseMillis()));
    }
    if (cache != null) {
      if (ctx.clock.nanoTime() >= localLeaseEndNanos) {
        // The lease ran out before this answer (its timer may not have run yet, e.g. after a
        // pause): the leader may have stopped waiting for our acknowledgements.
        cache.clear();
      }
      if (cache.onKeepAlive(r)) {
        stream.sendSoon(); // before the events: invalidations are applied first
      }
    }
    if (r.getLeaseRemainingMillis() > 0 && sendNanos != KeepAliveStream.UNKNOWN_SEND) {
      // Every such bound is safe; a push measured later may give a smaller one than an answer.
      localLeaseEndNanos =
          Math.max(
              localLeaseEndNanos, sendNanos + ctx.usableLeaseNanos(r.getLeaseRemainingMillis()));
      armLeaseTimer();
      if (state == SessionState.JEOPARDY && localLeaseEndNanos > ctx.clock.nanoTime()) {
        graceTimer.cancel();
        transition(SessionState.CONNECTED);
      }
    }
    long floor = lastSeenEventIndex;
    for (Event e : r.getEventsList()) {
      if (state.isTerminal()) {
        return;
      }
      floor = onEvent(e, floor);
    }
    publishedLastSeen = lastSeenEventIndex;
    order.reached(Math.max(r.getIndex(), lastSeenEventIndex));
  }

  /**
   * Processes one event unless it was processed before; returns the new floor below which events
   * are duplicates. Events sharing an index arrive together, so the floor moves once per response.
   */
  private long onEvent(Event e, long floor) {
    switch (e.getType()) {
      case EVENT_TYPE_SESSION_EXPIRED -> {
        expire("the cell ended the session");
        return floor;
      }
      case EVENT_TYPE_LEADER_CHANGED -> {
        log.debug("session {}: leader changed (index {})", id, e.getIndex());
        return floor;
      }
      case EVENT_TYPE_RESYNC -> {
        if (e.getIndex() > lastSeenEventIndex) {
          lastSeenEventIndex = e.getIndex();
          log.warn(
              "session {}: events up to index {} were dropped by the cell; resyncing",
              id,
              e.getIndex());
          watches.onResync(e.getIndex());
          locks.onResync();
          for (SessionListener l : listeners) {
            ctx.dispatcher.run("a session listener", () -> l.onResync(this, e.getIndex()));
          }
        }
        return lastSeenEventIndex;
      }
      default -> {}
    }
    if (e.getIndex() <= floor) {
      return floor;
    }
    lastSeenEventIndex = Math.max(lastSeenEventIndex, e.getIndex());
    locks.onEvent(e);
    WatchEvent we = WatchEvent.fromProto(e);
    if (we != null) {
      watches.onEvent(we);
    }
    return floor;
  }

  private void armLeaseTimer() {
    leaseTimer.cancel();
    long delay = localLeaseEndNanos - ctx.clock.nanoTime();
    leaseTimer = ctx.clock.schedule(Math.max(0, delay), this::onLeaseTimer);
  }

  private void onLeaseTimer() {
    if (state != SessionState.CONNECTED) {
      return;
    }
    long now = ctx.clock.nanoTime();
    if (now < localLeaseEndNanos) {
      armLeaseTimer();
      return;
    }
    log.info(
        "session {}: local lease ran out; in jeopardy for up to {} ms",
        id,
        TimeUnit.NANOSECONDS.toMillis(ctx.graceNanos));
    transition(SessionState.JEOPARDY);
    long graceEnd = localLeaseEndNanos + ctx.graceNanos;
    graceTimer = ctx.clock.schedule(Math.max(0, graceEnd - now), this::onGraceTimer);
    stream.sendNow();
  }

  private void onGraceTimer() {
    if (state == SessionState.JEOPARDY) {
      expire("no leader answered within the grace period");
      SessionFarewell.send(ctx, id, lane.lastSequence() + 1);
    }
  }

  // ------------------------------------------------------------------ ending

  private void beginClose() {
    if (state.isTerminal() || closing) {
      return;
    }
    closing = true;
    ClientClock.Cancellable giveUp =
        ctx.clock.schedule(
            ctx.operationTimeoutNanos,
            () -> {
              if (!state.isTerminal()) {
                log.warn(
                    "session {}: no leader confirmed the close in time; it is closed here and "
                        + "will be closed on the cell once a leader answers",
                    id);
                long sequence = lane.lastSequence() + 1;
                end(SessionState.CLOSED, Errors.closed());
                SessionFarewell.send(ctx, id, sequence);
              }
            });
    submit(
        SessionGrpc.getCloseSessionMethod(),
        h -> CloseSessionRequest.newBuilder().setHeader(h).build(),
        (CloseSessionResponse answer, LockdException error) -> {
          giveUp.cancel();
          if (error != null && !(error instanceof SessionExpiredException)) {
            log.warn("session {}: close failed: {}", id, error.getMessage());
          }
          end(
              SessionState.CLOSED,
              new SessionExpiredException(id, "session " + id + " was closed"));
        });
  }

  private void end(SessionState terminal, LockdException why) {
    if (state.isTerminal()) {
      return;
    }
    leaseTimer.cancel();
    graceTimer.cancel();
    stream.stop();
    transition(terminal);
    lane.failAll(why);
    watches.onEnded(why);
    order.close();
    onEnded.run();
    ctx.dispatcher.run("session end", () -> closed.complete(null));
  }

  private void transition(SessionState to) {
    SessionState from = state;
    if (from == to) {
      return;
    }
    state = to;
    publishedState = to;
    if (cache != null && to != SessionState.CONNECTED) {
      cache.clear();
    }
    locks.onSessionState(from, to);
    for (SessionListener l : listeners) {
      ctx.dispatcher.run("a session listener", () -> l.onStateChange(this, from, to));
    }
  }
}
