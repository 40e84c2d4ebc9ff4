package io.lockd.client;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceError;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.v1.*;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A fake lockd cell for client tests: {@code n} in-process gRPC servers in front of one real {@link
 * Namespace} (the state machine the real cell replicates). Consensus is not modelled; the test
 * decides which replica leads, which are down, when answers are lost after the command was applied,
 * when KeepAlives go unanswered, and what leader time it is. Non-leaders answer UNAVAILABLE with
 * the leader hint trailers, exactly as the server convention says.
 */
final class FakeCell implements AutoCloseable {
  final Object lock = new Object();
  final List<String> addresses = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  final Namespace ns;
  final List<Stream> streams = new ArrayList<>();
  final Map<Long, Long> ackedEvents = new HashMap<>();
  final Map<String, Integer> executed = new TreeMap<>();
  final Set<Integer> down = new HashSet<>();
  long slot;
  long commandId;
  long timeMillis = 1_700_000_000_000L;
  int leader;
  private int dropAnswers;
  private boolean holdNextAnswer;
  private final List<Runnable> heldAnswers = new ArrayList<>();
  private boolean keepAlivesSilent;
  private boolean pushesHeld;
  private boolean duplicateResponses;
  private boolean hintsEnabled = true;
  private long leaseRemainingOverride = -1;
  int keepAliveRequests;
  private final ChannelFactory channels =
      (address, executor) -> InProcessChannelBuilder.forName(address).executor(executor).build();

  FakeCell(int replicas) throws IOException {
    this(replicas, NamespaceLimits.defaults());
  }

  FakeCell(int replicas, NamespaceLimits limits) throws IOException {
    this(replicas, limits, false);
  }

  /**
   * @param loopback serve on loopback TCP ports ({@code 127.0.0.1:port}, for clients with their
   *     default channels, e.g. a benchmark in another process) instead of in-process names
   */
  private FakeCell(int replicas, NamespaceLimits limits, boolean loopback) throws IOException {
    ns = new Namespace(limits);
    String prefix = "fake-" + System.identityHashCode(this) + "-r";
    for (int i = 0; i < replicas; i++) {
      ServerBuilder<?> b =
          loopback
              ? NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              : InProcessServerBuilder.forName(prefix + (i + 1) + ":7001");
      Server server = withServices(b, i).build().start();
      servers.add(server);
      addresses.add(loopback ? "127.0.0.1:" + server.getPort() : prefix + (i + 1) + ":7001");
    }
  }

  /** A fake cell whose replicas listen on loopback TCP ports. */
  static FakeCell onLoopback(int replicas) throws IOException {
    return new FakeCell(replicas, NamespaceLimits.defaults(), true);
  }

  private ServerBuilder<?> withServices(ServerBuilder<?> b, int me) {
    return b.addService(new FakeCellServices.SessionService(this, me))
        .addService(new FakeCellServices.NodeService(this, me))
        .addService(new FakeCellServices.LockService(this, me))
        .addService(new FakeCellServices.WatchService(this, me))
        .addService(new FakeCellServices.ClusterService(this, me));
  }

  List<String> addresses() {
    return addresses;
  }

  /**
   * Channels to the fake replicas, delivering on the client's executor. One factory per cell, so
   * that clients of the cell share their channels and threads as clients of one real cell do.
   */
  ChannelFactory channels() {
    return channels;
  }

  // ------------------------------------------------------------------ test controls

  void setLeader(int replica) {
    synchronized (lock) {
      leader = replica;
      for (Stream s : List.copyOf(streams)) {
        if (s.replica != replica) {
          s.fail(notLeader(s.replica));
        }
      }
    }
  }

  int leader() {
    synchronized (lock) {
      return leader;
    }
  }

  void setDown(int replica, boolean isDown) {
    synchronized (lock) {
      if (isDown) {
        down.add(replica);
        for (Stream s : List.copyOf(streams)) {
          if (s.replica == replica) {
            s.fail(Status.UNAVAILABLE.withDescription("replica down").asRuntimeException());
          }
        }
      } else {
        down.remove(replica);
      }
    }
  }

  void setHintsEnabled(boolean enabled) {
    synchronized (lock) {
      hintsEnabled = enabled;
    }
  }

  /** The next {@code n} mutating requests are applied, but their answers are lost (UNAVAILABLE). */
  void loseAnswersAfterApply(int n) {
    synchronized (lock) {
      dropAnswers = n;
    }
  }

  /** The next mutating request is applied but its answer waits for {@link #releaseHeldAnswers}. */
  void holdNextAnswer() {
    synchronized (lock) {
      holdNextAnswer = true;
    }
  }

  int heldAnswers() {
    synchronized (lock) {
      return heldAnswers.size();
    }
  }

  void releaseHeldAnswers() {
    synchronized (lock) {
      for (Runnable r : heldAnswers) {
        r.run();
      }
      heldAnswers.clear();
    }
  }

  /** KeepAlive requests are received (and extend nothing) but never answered. */
  void setKeepAlivesSilent(boolean silent) {
    synchronized (lock) {
      keepAlivesSilent = silent;
    }
  }

  /** Every KeepAlive response is sent twice (a transport that repeats itself). */
  void setDuplicateResponses(boolean duplicate) {
    synchronized (lock) {
      duplicateResponses = duplicate;
    }
  }

  /** Events are not pushed as they arise, only carried by KeepAlive answers. */
  void setPushesHeld(boolean held) {
    synchronized (lock) {
      pushesHeld = held;
    }
  }

  /** Answers KeepAlives with this lease remaining instead of the full lease (-1: full). */
  void setLeaseRemaining(long millis) {
    synchronized (lock) {
      leaseRemainingOverride = millis;
    }
  }

  int keepAliveRequests() {
    synchronized (lock) {
      return keepAliveRequests;
    }
  }

  /** Moves leader time forward and lets due lock timers fire (a Tick command). */
  void advanceLeaderTime(long millis) {
    synchronized (lock) {
      timeMillis += millis;
      apply(NamespaceCommand.newBuilder().setTick(TickOp.getDefaultInstance()), 0, 0);
    }
  }

  /** Ends a session as an administrator would (lock-delay applies). */
  void expireSession(long sessionId) {
    synchronized (lock) {
      apply(
          NamespaceCommand.newBuilder()
              .setExpireSession(
                  ExpireSessionOp.newBuilder()
                      .setSessionId(sessionId)
                      .setReason(ExpiryReason.EXPIRY_REASON_FORCE_CLOSED)),
          0,
          0);
    }
  }

  /** How many times each operation was really applied (exactly-once replays not counted). */
  int executed(String op) {
    synchronized (lock) {
      return executed.getOrDefault(op, 0);
    }
  }

  long appliedIndex() {
    synchronized (lock) {
      return ns.appliedIndex();
    }
  }

  <T> T read(Function<Namespace, T> query) {
    synchronized (lock) {
      return query.apply(ns);
    }
  }

  /** Creates nodes directly (as session-less setup) through a throwaway session. */
  void mkfile(String path) {
    synchronized (lock) {
      NamespaceResult s =
          apply(
              NamespaceCommand.newBuilder()
                  .setCreateSession(CreateSessionOp.newBuilder().setClientName("setup")),
              0,
              0);
      long id = s.getSessionCreated().getSessionId();
      NamespaceResult r =
          apply(
              NamespaceCommand.newBuilder()
                  .setCreateNode(
                      CreateNodeOp.newBuilder()
                          .setPath(path)
                          .setKind(io.lockd.proto.v1.NodeKind.NODE_KIND_FILE)),
              id,
              1);
      if (r.hasError()) {
        throw new IllegalStateException(r.getError().getMessage());
      }
      apply(
          NamespaceCommand.newBuilder().setCloseSession(CloseSessionOp.getDefaultInstance()),
          id,
          2);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      for (Stream s : List.copyOf(streams)) {
        s.fail(Status.UNAVAILABLE.withDescription("cell shut down").asRuntimeException());
      }
    }
    for (Server s : servers) {
      s.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ the state machine

  NamespaceResult apply(NamespaceCommand.Builder command, long sessionId, long sequence) {
    CommandHeader.Builder h =
        CommandHeader.newBuilder()
            .setSessionId(sessionId)
            .setSequence(sequence)
            .setLeaderTimeMillis(timeMillis);
    Long acked = ackedEvents.get(sessionId);
    if (acked != null) {
      h.setAckedEventIndex(acked);
    }
    byte[] out =
        ns.apply(++slot, new Command(++commandId, command.setHeader(h).build().toByteArray()));
    NamespaceResult result;
    try {
      result = NamespaceResult.parseFrom(out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (result.getIndex() == ns.appliedIndex() && !result.hasError()) {
      executed.merge(command.getOpCase().name(), 1, Integer::sum);
    }
    pushEvents();
    return result;
  }

  void pushEvents() {
    for (Stream s : List.copyOf(streams)) {
      s.push();
    }
  }

  StatusRuntimeException notLeader(int me) {
    Metadata trailers = new Metadata();
    if (hintsEnabled && leader >= 0 && !down.contains(leader)) {
      trailers.put(Errors.LEADER_ID, Integer.toString(leader + 1));
      trailers.put(Errors.LEADER_ADDRESS, addresses.get(leader));
    }
    return Status.UNAVAILABLE
        .withDescription("replica " + (me + 1) + " is not the leader")
        .asRuntimeException(trailers);
  }

  /** Null if {@code me} may serve; otherwise the error to answer with. */
  StatusRuntimeException refusal(int me) {
    if (down.contains(me)) {
      return Status.UNAVAILABLE
          .withDescription("replica " + (me + 1) + " is down")
          .asRuntimeException();
    }
    if (leader != me) {
      return notLeader(me);
    }
    return null;
  }

  static StatusRuntimeException error(NamespaceError e) {
    Metadata trailers = new Metadata();
    trailers.put(
        Errors.ERROR_DETAIL,
        ErrorDetail.newBuilder().setReason(e.getReason()).setMessage(e.getMessage()).build());
    return Status.fromCodeValue(e.getCode().getNumber())
        .withDescription(e.getMessage())
        .asRuntimeException(trailers);
  }

  static StatusRuntimeException error(NamespaceException e) {
    return error(e.toProto());
  }

  /** Runs a mutating request: applies it, then answers (or loses the answer, if told to). */
  <A> void mutate(
      int me,
      RequestHeader header,
      NamespaceCommand.Builder command,
      Function<NamespaceResult, A> answer,
      StreamObserver<A> out) {
    synchronized (lock) {
      StatusRuntimeException refused = refusal(me);
      if (refused != null) {
        out.onError(refused);
        return;
      }
      NamespaceResult r = apply(command, header.getSessionId(), header.getSequence());
      if (dropAnswers > 0) {
        dropAnswers--;
        out.onError(Status.UNAVAILABLE.withDescription("answer lost (test)").asRuntimeException());
        return;
      }
      Runnable reply =
          () -> {
            if (r.hasError()) {
              out.onError(error(r.getError()));
            } else {
              out.onNext(answer.apply(r));
              out.onCompleted();
            }
          };
      if (holdNextAnswer) {
        holdNextAnswer = false;
        heldAnswers.add(reply);
      } else {
        reply.run();
      }
    }
  }

  <A> void query(int me, Function<Namespace, A> q, StreamObserver<A> out) {
    synchronized (lock) {
      StatusRuntimeException refused = refusal(me);
      if (refused != null) {
        out.onError(refused);
        return;
      }
      A answer;
      try {
        answer = q.apply(ns);
      } catch (NamespaceException e) {
        out.onError(error(e));
        return;
      }
      out.onNext(answer);
      out.onCompleted();
    }
  }

  // ------------------------------------------------------------------ KeepAlive streams

  final class Stream implements StreamObserver<KeepAliveRequest> {
    final int replica;
    final StreamObserver<KeepAliveResponse> out;
    long sessionId;
    long sentThrough;
    long lastRequestId;
    boolean done;

    Stream(int replica, StreamObserver<KeepAliveResponse> out) {
      this.replica = replica;
      this.out = out;
    }

    @Override
    public void onNext(KeepAliveRequest r) {
      synchronized (lock) {
        if (done) {
          return;
        }
        keepAliveRequests++;
        StatusRuntimeException refused = refusal(replica);
        if (refused != null) {
          fail(refused);
          return;
        }
        sessionId = r.getSessionId();
        lastRequestId = r.getRequestId();
        ackedEvents.put(sessionId, r.getLastSeenEventIndex());
        sentThrough = Math.max(sentThrough, r.getLastSeenEventIndex());
        if (keepAlivesSilent) {
          return;
        }
        List<Event> events;
        SessionInfo info;
        try {
          info = ns.getSession(sessionId);
          events = ns.eventsSince(sessionId, r.getLastSeenEventIndex());
        } catch (NamespaceException e) {
          ended();
          return;
        }
        send(info, events);
      }
    }

    /** Sends the events that arose since the last one sent (on every applied command). */
    void push() {
      if (done || sessionId == 0 || keepAlivesSilent || pushesHeld) {
        return;
      }
      SessionInfo info;
      List<Event> events;
      try {
        info = ns.getSession(sessionId);
        events = ns.eventsSince(sessionId, sentThrough);
      } catch (NamespaceException e) {
        ended();
        return;
      }
      if (!events.isEmpty()) {
        send(info, events);
      }
    }

    private void send(SessionInfo info, List<Event> events) {
      long lease = info.getLeaseMillis();
      for (Event e : events) {
        sentThrough = Math.max(sentThrough, e.getIndex());
      }
      KeepAliveResponse response =
          KeepAliveResponse.newBuilder()
              .setSessionId(sessionId)
              .setLeaseMillis(lease)
              .setLeaseRemainingMillis(leaseRemainingOverride >= 0 ? leaseRemainingOverride : lease)
              .setRequestId(lastRequestId)
              .addAllEvents(events)
              .setIndex(ns.appliedIndex())
              .build();
      out.onNext(response);
      if (duplicateResponses) {
        out.onNext(response);
      }
    }

    private void ended() {
      out.onNext(
          KeepAliveResponse.newBuilder()
              .setSessionId(sessionId)
              .addEvents(
                  Event.newBuilder()
                      .setType(EventType.EVENT_TYPE_SESSION_EXPIRED)
                      .setIndex(ns.appliedIndex()))
              .setIndex(ns.appliedIndex())
              .build());
      done = true;
      streams.remove(this);
      out.onCompleted();
    }

    void fail(StatusRuntimeException e) {
      if (done) {
        return;
      }
      done = true;
      streams.remove(this);
      out.onError(e);
    }

    @Override
    public void onError(Throwable t) {
      synchronized (lock) {
        done = true;
        streams.remove(this);
      }
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        if (!done) {
          done = true;
          streams.remove(this);
          out.onCompleted();
        }
      }
    }
  }
}
