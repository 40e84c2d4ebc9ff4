package io.lockd.client;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.lockd.proto.v1.CheckSequencerRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.DeleteNodeResponse;
import io.lockd.proto.v1.GetAclRequest;
import io.lockd.proto.v1.GetAclResponse;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SetAclRequest;
import io.lockd.proto.v1.SetAclResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The asynchronous form of {@link LockClient}: the same operations, each returning a {@link
 * CompletableFuture} at once. Futures complete on the client's event thread, in the client's
 * delivery order (an answer after every watch event it reflects); continuations attached to them
 * run there too and must not block.
 *
 * <p>Every operation ends within the client's operation timeout: with the cell's answer, its
 * refusal ({@link LockdException}), or DEADLINE_EXCEEDED/UNAVAILABLE if no leader answered in time.
 * A mutation that timed out (or whose future was cancelled) before it was sent is withdrawn and
 * never applied; one already sent may still be applied later (at most once), and its error says
 * which of the two happened.
 *
 * <pre>{@code
 * AsyncLockClient async = client.async();
 * async.createFile("/jobs/42", payload)
 *     .thenCompose(stat -> async.setContents("/jobs/42/state", "queued".getBytes(UTF_8)))
 *     .whenComplete((stat, error) -> { ... });
 * }</pre>
 */
public final class AsyncLockClient {
  private final ClientContext ctx;
  private final SessionHolder sessions;

  AsyncLockClient(ClientContext ctx) {
    this.ctx = ctx;
    this.sessions = new SessionHolder(ctx);
  }

  ClientContext context() {
    return ctx;
  }

  // ------------------------------------------------------------------ sessions

  /** The client's current session, opened if there is none (or the last one ended). */
  public CompletableFuture<Session> session() {
    return inSession((s, f) -> ctx.dispatcher.complete(f, s));
  }

  /** Runs {@code body} on the loop with the session; a failure to open one fails the future. */
  private <T> CompletableFuture<T> inSession(BiConsumer<Session, CompletableFuture<T>> body) {
    CompletableFuture<T> f = new Dispatcher.Awaited<>();
    ctx.loop.execute(
        () ->
            withSession(
                (s, error) -> {
                  if (error != null) {
                    ctx.dispatcher.fail(f, error);
                  } else {
                    body.accept(s, f);
                  }
                }));
    return f;
  }

  /** The current session if one is open, else null; never opens one. */
  Session currentSessionOnLoop() {
    return sessions.current();
  }

  /** Runs {@code k} on the loop with the current session, opening one first if needed. */
  void withSession(BiConsumer<Session, LockdException> k) {
    sessions.with(k);
  }

  // ------------------------------------------------------------------ nodes

  /** Creates a node as described by {@code options}; its parent must be an existing directory. */
  public CompletableFuture<NodeStat> create(String path, CreateOptions options) {
    return createNode(path, options, a -> NodeStat.fromProto(a.getStat(), a.getIndex()), null);
  }

  private <R> CompletableFuture<R> createNode(
      String path,
      CreateOptions options,
      Function<CreateNodeResponse, R> result,
      Function<LockdException, R> recover) {
    Paths.check(path);
    return mutate(
        NodeGrpc.getCreateMethod(),
        h -> {
          CreateNodeRequest.Builder b =
              CreateNodeRequest.newBuilder()
                  .setHeader(h)
                  .setPath(path)
                  .setKind(options.kind().toProto())
                  .setEphemeral(options.isEphemeral())
                  .setContents(ByteString.copyFrom(options.contents()));
          if (options.lockDelayOrNull() != null) {
            b.setLockDelayMillis(options.lockDelayOrNull().toMillis());
          }
          return b.build();
        },
        CreateNodeResponse::getIndex,
        result,
        recover);
  }

  /** Creates a permanent file with these contents. */
  public CompletableFuture<NodeStat> createFile(String path, byte[] contents) {
    return create(path, CreateOptions.file(contents));
  }

  /** Creates a permanent directory. */
  public CompletableFuture<NodeStat> createDirectory(String path) {
    return create(path, CreateOptions.directory());
  }

  /**
   * Creates {@code path} and any missing parents as permanent directories (like {@code mkdir -p});
   * directories that exist already are fine. Completes with the number created.
   */
  public CompletableFuture<Integer> mkdirs(String path) {
    Paths.check(path);
    CompletableFuture<Integer> chain = CompletableFuture.completedFuture(0);
    if (path.equals("/")) {
      return chain;
    }
    StringBuilder prefix = new StringBuilder();
    for (String part : path.substring(1).split("/")) {
      String dir = prefix.append('/').append(part).toString();
      chain =
          chain.thenCompose(
              n ->
                  createUnlessExists(dir, CreateOptions.directory())
                      .thenApply(made -> made ? n + 1 : n));
    }
    return chain;
  }

  /** Creates the node unless one exists at the path; true if this call created it. */
  public CompletableFuture<Boolean> createUnlessExists(String path, CreateOptions options) {
    return createNode(path, options, a -> true, falseFor(LockdException.Reason.NODE_EXISTS));
  }

  /** Deletes a file or an empty directory whose lock has no holders or waiters. */
  public CompletableFuture<Void> delete(String path) {
    Paths.check(path);
    return mutate(
        NodeGrpc.getDeleteMethod(),
        h -> DeleteNodeRequest.newBuilder().setHeader(h).setPath(path).build(),
        DeleteNodeResponse::getIndex,
        a -> null);
  }

  /** Deletes the node only if its content generation is {@code expectedContentGeneration}. */
  public CompletableFuture<Void> deleteIf(String path, long expectedContentGeneration) {
    Paths.check(path);
    return mutate(
        NodeGrpc.getDeleteMethod(),
        h ->
            DeleteNodeRequest.newBuilder()
                .setHeader(h)
                .setPath(path)
                .setExpectedContentGeneration(expectedContentGeneration)
                .build(),
        DeleteNodeResponse::getIndex,
        a -> null);
  }

  /** Replaces a file's contents. */
  public CompletableFuture<NodeStat> setContents(String path, byte[] contents) {
    Paths.check(path);
    ByteString bytes = ByteString.copyFrom(contents);
    return mutate(
        NodeGrpc.getSetContentsMethod(),
        h -> SetContentsRequest.newBuilder().setHeader(h).setPath(path).setContents(bytes).build(),
        SetContentsResponse::getIndex,
        a -> NodeStat.fromProto(a.getStat(), a.getIndex()));
  }

  /**
   * Compare-and-set: replaces the contents only if the content generation is still {@code
   * expectedContentGeneration}; otherwise fails with GENERATION_MISMATCH.
   */
  public CompletableFuture<NodeStat> setContentsIf(
      String path, byte[] contents, long expectedContentGeneration) {
    Paths.check(path);
    ByteString bytes = ByteString.copyFrom(contents);
    return mutate(
        NodeGrpc.getSetContentsMethod(),
        h ->
            SetContentsRequest.newBuilder()
                .setHeader(h)
                .setPath(path)
                .setContents(bytes)
                .setExpectedContentGeneration(expectedContentGeneration)
                .build(),
        SetContentsResponse::getIndex,
        a -> NodeStat.fromProto(a.getStat(), a.getIndex()));
  }

  /**
   * Reads a file's contents and stat: from the leader, or from the session's consistent cache if
   * the client caches ({@link LockClient.Builder#cache(int)}) and holds the file.
   */
  public CompletableFuture<NodeData> getContents(String path) {
    Paths.check(path);
    if (ctx.cacheMaxEntries > 0) {
      return cachedRead(path);
    }
    return read(
        NodeGrpc.getGetContentsAndStatMethod(),
        GetContentsAndStatRequest.newBuilder().setPath(path).build(),
        a -> a.getIndex(),
        AsyncLockClient::nodeData);
  }

  private static NodeData nodeData(GetContentsAndStatResponse a) {
    return new NodeData(
        a.getContents().toByteArray(), NodeStat.fromProto(a.getStat(), a.getIndex()));
  }

  private CompletableFuture<NodeData> cachedRead(String path) {
    return onLoop(
        f ->
            withSession(
                (s, error) -> {
                  if (error != null) {
                    ctx.dispatcher.fail(f, error);
                    return;
                  }
                  NodeData hit = s.cached(path);
                  if (hit != null) {
                    ctx.dispatcher.complete(f, hit);
                    return;
                  }
                  long generation = s.cache().generation();
                  ctx.rpc.start(
                      NodeGrpc.getGetContentsAndStatMethod(),
                      GetContentsAndStatRequest.newBuilder()
                          .setPath(path)
                          .setCacheSessionId(s.id())
                          .build(),
                      true,
                      ctx.operationDeadline(),
                      (GetContentsAndStatResponse answer, LockdException e) -> {
                        if (answer != null) {
                          s.cache().offer(path, answer, nodeData(answer), generation);
                        }
                        deliver(
                            f,
                            answer,
                            e,
                            GetContentsAndStatResponse::getIndex,
                            AsyncLockClient::nodeData,
                            null,
                            s);
                      });
                }));
  }

  /** A future that {@code task} completes on the loop; failed at once if the client is closed. */
  private <R> CompletableFuture<R> onLoop(Consumer<CompletableFuture<R>> task) {
    CompletableFuture<R> f = new Dispatcher.Awaited<>();
    if (sessions.isClosed()) {
      f.completeExceptionally(Errors.closed());
      return f;
    }
    ctx.loop.execute(() -> task.accept(f));
    return f;
  }

  /** The consistent cache's counters (all zero unless the client caches). */
  public CacheStats cacheStats() {
    Session s = sessions.latest();
    return FileCache.stats(ctx.cacheCounters, s == null ? null : s.cache());
  }

  /** Reads a node's stat. */
  public CompletableFuture<NodeStat> stat(String path) {
    Paths.check(path);
    return read(
        NodeGrpc.getGetStatMethod(),
        GetStatRequest.newBuilder().setPath(path).build(),
        a -> a.getIndex(),
        a -> NodeStat.fromProto(a.getStat(), a.getIndex()));
  }

  /** Reads a node's ACL (needs the read right on it). */
  public CompletableFuture<Acl> getAcl(String path) {
    Paths.check(path);
    return read(
        NodeGrpc.getGetAclMethod(),
        GetAclRequest.newBuilder().setPath(path).build(),
        GetAclResponse::getIndex,
        a -> Acl.fromProto(a.getAcl()));
  }

  /** Replaces a node's ACL (needs the admin right on it); the stat shows the new generation. */
  public CompletableFuture<NodeStat> setAcl(String path, Acl acl) {
    return setAcl(path, acl, null);
  }

  /**
   * Compare-and-set: replaces the ACL only if the node's ACL generation is still {@code
   * expectedAclGeneration}; otherwise fails with GENERATION_MISMATCH.
   */
  public CompletableFuture<NodeStat> setAclIf(String path, Acl acl, long expectedAclGeneration) {
    return setAcl(path, acl, expectedAclGeneration);
  }

  private CompletableFuture<NodeStat> setAcl(String path, Acl acl, Long expectedAclGeneration) {
    Paths.check(path);
    io.lockd.proto.v1.Acl wire = acl.toProto();
    return mutate(
        NodeGrpc.getSetAclMethod(),
        h -> {
          SetAclRequest.Builder r =
              SetAclRequest.newBuilder().setHeader(h).setPath(path).setAcl(wire);
          if (expectedAclGeneration != null) {
            r.setExpectedAclGeneration(expectedAclGeneration);
          }
          return r.build();
        },
        SetAclResponse::getIndex,
        a -> NodeStat.fromProto(a.getStat(), a.getIndex()));
  }

  /** True if the node exists. */
  public CompletableFuture<Boolean> exists(String path) {
    Paths.check(path);
    return read(
        NodeGrpc.getGetStatMethod(),
        GetStatRequest.newBuilder().setPath(path).build(),
        a -> a.getIndex(),
        a -> true,
        true,
        falseFor(LockdException.Reason.NODE_NOT_FOUND));
  }

  /**
   * Lists a directory's children (names, not paths), in ascending order. A long listing comes in
   * pages, which this follows (each page reflects the directory when it was read: a child there
   * throughout is listed once, one added or removed meanwhile may or may not be).
   */
  public CompletableFuture<List<String>> children(String path) {
    Paths.check(path);
    return paged(
        NodeGrpc.getListChildrenMethod(),
        token -> ListChildrenRequest.newBuilder().setPath(path).setPageToken(token).build(),
        ListChildrenResponse::getNextPageToken,
        ListChildrenResponse::getIndex,
        pages -> pages.stream().flatMap(a -> a.getNamesList().stream()).toList());
  }

  // ------------------------------------------------------------------ locks

  /** A lock on {@code path} (no request is made until it is acquired). */
  public DistributedLock lock(String path, LockMode mode, LockListener listener) {
    Paths.check(path);
    return new DistributedLock(this, path, mode, listener);
  }

  /**
   * The state of a node's lock: mode, holders, FIFO waiters, generation, lock-delay (all pages).
   */
  public CompletableFuture<LockDetails> lockInfo(String path) {
    Paths.check(path);
    return paged(
        LockGrpc.getGetLockInfoMethod(),
        token -> lockInfoPage(path, token),
        GetLockInfoResponse::getNextPageToken,
        GetLockInfoResponse::getIndex,
        pages -> LockDetails.fromProto(Pages.lockInfo(pages)));
  }

  void lockInfoOnLoop(String path, BiConsumer<LockInfo, LockdException> k) {
    Pages.fetch(
        ctx.rpc,
        LockGrpc.getGetLockInfoMethod(),
        token -> lockInfoPage(path, token),
        GetLockInfoResponse::getNextPageToken,
        wholeListingDeadline(),
        (List<GetLockInfoResponse> pages, LockdException e) ->
            k.accept(pages == null ? null : Pages.lockInfo(pages), e));
  }

  /** One deadline for every page of a listing: the whole call ends within the operation timeout. */
  private java.util.function.LongSupplier wholeListingDeadline() {
    long deadline = ctx.operationDeadline();
    return () -> deadline;
  }

  private static GetLockInfoRequest lockInfoPage(String path, String token) {
    return GetLockInfoRequest.newBuilder().setPath(path).setPageToken(token).build();
  }

  /**
   * Asks the cell whether {@code sequencer} is still valid: its session holds the lock in that
   * mode, with that generation, on that instance of the node. True if valid, false if not.
   */
  public CompletableFuture<Boolean> checkSequencer(Sequencer sequencer) {
    return read(
        LockGrpc.getCheckSequencerMethod(),
        CheckSequencerRequest.newBuilder().setSequencer(sequencer.toProto()).build(),
        a -> a.getIndex(),
        a -> true,
        true,
        falseFor(LockdException.Reason.SEQUENCER_INVALID, LockdException.Reason.NODE_NOT_FOUND));
  }

  // ------------------------------------------------------------------ watches

  /**
   * Subscribes {@code listener} to changes on {@code path}; the future gives the {@link Watch}
   * handle once the cell confirmed the subscription, and events follow it.
   */
  public CompletableFuture<Watch> watch(String path, WatchKind kind, WatchListener listener) {
    Paths.check(path);
    return inSession((s, f) -> s.watches().add(path, kind, listener, f));
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * A refusal for one of {@code reasons} read as {@code false} (others stay failures). Applied on
   * the loop, so that the caller's future is completed at once, with no dependent future (and, for
   * a blocked caller, no extra hop through the callback threads).
   */
  private static Function<LockdException, Boolean> falseFor(LockdException.Reason... reasons) {
    List<LockdException.Reason> list = List.of(reasons);
    return e -> list.contains(e.reason()) ? Boolean.FALSE : null;
  }

  private <Q, A, R> CompletableFuture<R> read(
      MethodDescriptor<Q, A> method, Q request, ToLongFunction<A> index, Function<A, R> result) {
    return read(method, request, index, result, true, null);
  }

  /**
   * @param recover maps a refusal to a value (or to null: fail with it); null: fail with every
   *     refusal
   */
  <Q, A, R> CompletableFuture<R> read(
      MethodDescriptor<Q, A> method,
      Q request,
      ToLongFunction<A> index,
      Function<A, R> result,
      boolean leaderOnly,
      Function<LockdException, R> recover) {
    return onLoop(
        f ->
            ctx.rpc.start(
                method,
                request,
                leaderOnly,
                ctx.operationDeadline(),
                (A answer, LockdException error) ->
                    deliver(f, answer, error, index, result, recover, currentSessionOnLoop())));
  }

  /** A read whose answer comes in pages ({@link Pages}); delivered after the last page's index. */
  <Q, A, R> CompletableFuture<R> paged(
      MethodDescriptor<Q, A> method,
      Function<String, Q> request,
      Function<A, String> nextToken,
      ToLongFunction<A> index,
      Function<List<A>, R> result) {
    return onLoop(
        f ->
            Pages.fetch(
                ctx.rpc,
                method,
                request,
                nextToken,
                wholeListingDeadline(),
                (List<A> pages, LockdException error) ->
                    deliver(
                        f,
                        pages,
                        error,
                        p -> index.applyAsLong(p.get(p.size() - 1)),
                        result,
                        null,
                        currentSessionOnLoop())));
  }

  private <Q, A, R> CompletableFuture<R> mutate(
      MethodDescriptor<Q, A> method,
      Function<RequestHeader, Q> request,
      ToLongFunction<A> index,
      Function<A, R> result) {
    return mutate(method, request, index, result, null);
  }

  /**
   * A mutation on the session's lane. The caller's future ends within the operation timeout; a
   * mutation whose caller gave up (the timeout, or cancelling the future) before its turn on the
   * lane is withdrawn and never sent, one already sent runs on to the cell's answer unobserved.
   */
  private <Q, A, R> CompletableFuture<R> mutate(
      MethodDescriptor<Q, A> method,
      Function<RequestHeader, Q> request,
      ToLongFunction<A> index,
      Function<A, R> result,
      Function<LockdException, R> recover) {
    GiveUpFuture<R> f = new GiveUpFuture<>(ctx.loop);
    if (sessions.isClosed()) {
      f.completeExceptionally(Errors.closed());
      return f;
    }
    ctx.loop.execute(
        () -> new PendingMutation<>(f, method, request, index, result, recover).start());
    return f;
  }

  /** One caller's mutation from submission to answer or giving up; loop only. */
  private final class PendingMutation<Q, A, R> {
    private final GiveUpFuture<R> f;
    private final MethodDescriptor<Q, A> method;
    private final Function<RequestHeader, Q> request;
    private final ToLongFunction<A> index;
    private final Function<A, R> result;
    private final Function<LockdException, R> recover;
    private ClientClock.Cancellable timer = ClientClock.Cancellable.NONE;
    private Session session;
    private MutationLane.Mutation<Q, A> queued;

    PendingMutation(
        GiveUpFuture<R> f,
        MethodDescriptor<Q, A> method,
        Function<RequestHeader, Q> request,
        ToLongFunction<A> index,
        Function<A, R> result,
        Function<LockdException, R> recover) {
      this.f = f;
      this.method = method;
      this.request = request;
      this.index = index;
      this.result = result;
      this.recover = recover;
    }

    void start() {
      timer = ctx.clock.schedule(ctx.operationTimeoutNanos, this::timedOut);
      f.onGiveUp(
          () -> {
            timer.cancel();
            withdraw();
          });
      withSession(
          (s, error) -> {
            if (f.isDone()) {
              return; // given up before a session was there: nothing to send
            }
            if (error != null) {
              timer.cancel();
              ctx.dispatcher.fail(f, error);
              return;
            }
            session = s;
            queued =
                s.submit(
                    method,
                    request,
                    (A answer, LockdException e) -> {
                      timer.cancel();
                      deliver(f, answer, e, index, result, recover, s);
                    });
          });
    }

    /** True if the request will never be sent (not submitted yet, or taken off the lane). */
    private boolean withdraw() {
      return queued == null || session.withdraw(queued);
    }

    private void timedOut() {
      String what =
          withdraw()
              ? method.getBareMethodName() + " (it was not sent and will not be: not applied)"
              : method.getBareMethodName()
                  + " (its outcome is unknown; it is applied at most once)";
      ctx.dispatcher.fail(f, Errors.timedOut(what, ctx.operationTimeoutMillis(), null));
    }
  }

  /** Completes {@code f} in the session's delivery order. */
  private <A, R> void deliver(
      CompletableFuture<R> f,
      A answer,
      LockdException error,
      ToLongFunction<A> index,
      Function<A, R> result,
      Function<LockdException, R> recover,
      Session s) {
    if (error != null) {
      R instead = recover == null ? null : recover.apply(error);
      if (instead != null) {
        ctx.dispatcher.complete(f, instead);
      } else {
        ctx.dispatcher.fail(f, error);
      }
      return;
    }
    Runnable complete =
        () -> {
          try {
            ctx.dispatcher.complete(f, result.apply(answer));
          } catch (RuntimeException e) {
            ctx.dispatcher.fail(f, e);
          }
        };
    if (s == null) {
      complete.run();
    } else {
      s.order().afterIndex(index.applyAsLong(answer), complete);
    }
  }

  // ------------------------------------------------------------------ blocking helpers

  /** Waits for {@code f}; unwraps its failure. Refuses to run on the event thread. */
  <T> T await(CompletableFuture<T> f) {
    return Blocking.await(ctx, f);
  }

  /** Waits for {@code f} for however long it takes; on interrupt runs {@code onInterrupt}. */
  <T> T awaitInterruptibly(CompletableFuture<T> f, Runnable onInterrupt)
      throws InterruptedException {
    return Blocking.awaitInterruptibly(ctx, f, onInterrupt);
  }

  static RuntimeException unwrap(Throwable t) {
    return Blocking.unwrap(t);
  }

  // ------------------------------------------------------------------ closing

  boolean isClosed() {
    return sessions.isClosed();
  }

  /** Stops new work and closes the session; the future completes when the session is over. */
  CompletableFuture<Void> beginClose() {
    return sessions.beginClose();
  }

  /** Ends the session locally without waiting for the cell; on the loop. */
  void abandonSession() {
    sessions.abandon();
  }
}
