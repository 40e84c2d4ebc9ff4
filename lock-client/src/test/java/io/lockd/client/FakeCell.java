package io.lockd.client;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceError;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.*;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A fake lockd cell for client tests: {@code n} in-process gRPC servers in front of one real
 * {@link Namespace} (the state machine the real cell replicates). Consensus is not modelled; the
 * test decides which replica leads, which are down, when answers are lost after the command was
 * applied, when KeepAlives go unanswered, and what leader time it is. Non-leaders answer
 * UNAVAILABLE with the leader hint trailers, exactly as the server convention says.
 */
final class FakeCell implements AutoCloseable {
  private final Object lock = new Object();
  private final List<String> addresses = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final Namespace ns;
  private final List<Stream> streams = new ArrayList<>();
  private final Map<Long, Long> ackedEvents = new HashMap<>();
  private final Map<String, Integer> executed = new TreeMap<>();
  private final Set<Integer> down = new HashSet<>();
  private long slot;
  private long commandId;
  private long timeMillis = 1_700_000_000_000L;
  private int leader;
  private int dropAnswers;
  private boolean holdNextAnswer;
  private final List<Runnable> heldAnswers = new ArrayList<>();
  private boolean keepAlivesSilent;
  private boolean pushesHeld;
  private boolean duplicateResponses;
  private boolean hintsEnabled = true;
  private long leaseRemainingOverride = -1;
  private int keepAliveRequests;

  FakeCell(int replicas) throws IOException {
    this(replicas, NamespaceLimits.defaults());
  }

  FakeCell(int replicas, NamespaceLimits limits) throws IOException {
    ns = new Namespace(limits);
    String prefix = "fake-" + System.identityHashCode(this) + "-r";
    for (int i = 0; i < replicas; i++) {
      String address = prefix + (i + 1) + ":7001";
      addresses.add(address);
      int me = i;
      servers.add(
          InProcessServerBuilder.forName(address)
              .addService(new SessionService(me))
              .addService(new NodeService(me))
              .addService(new LockService(me))
              .addService(new WatchService(me))
              .addService(new ClusterService(me))
              .build()
              .start());
    }
  }

  List<String> addresses() {
    return addresses;
  }

  /** Channels to the fake replicas, delivering on the client's executor. */
  ChannelFactory channels() {
    return (address, executor) -> {
      ManagedChannel c = InProcessChannelBuilder.forName(address).executor(executor).build();
      return c;
    };
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
                  ExpireSessionOp.newBuilder().setSessionId(sessionId).setReason(ExpiryReason.EXPIRY_REASON_FORCE_CLOSED)),
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
      NamespaceResult s = apply(NamespaceCommand.newBuilder().setCreateSession(CreateSessionOp.newBuilder().setClientName("setup")), 0, 0);
      long id = s.getSessionCreated().getSessionId();
      NamespaceResult r = apply(
          NamespaceCommand.newBuilder().setCreateNode(CreateNodeOp.newBuilder().setPath(path).setKind(io.lockd.proto.v1.NodeKind.NODE_KIND_FILE)), id, 1);
      if (r.hasError()) {
        throw new IllegalStateException(r.getError().getMessage());
      }
      apply(NamespaceCommand.newBuilder().setCloseSession(CloseSessionOp.getDefaultInstance()), id, 2);
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

  private NamespaceResult apply(NamespaceCommand.Builder command, long sessionId, long sequence) {
    CommandHeader.Builder h =
        CommandHeader.newBuilder().setSessionId(sessionId).setSequence(sequence).setLeaderTimeMillis(timeMillis);
    Long acked = ackedEvents.get(sessionId);
    if (acked != null) {
      h.setAckedEventIndex(acked);
    }
    byte[] out = ns.apply(++slot, new Command(++commandId, command.setHeader(h).build().toByteArray()));
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

  private void pushEvents() {
    for (Stream s : List.copyOf(streams)) {
      s.push();
    }
  }

  private StatusRuntimeException notLeader(int me) {
    Metadata trailers = new Metadata();
    if (hintsEnabled && leader >= 0 && !down.contains(leader)) {
      trailers.put(Errors.LEADER_ID, Integer.toString(leader + 1));
      trailers.put(Errors.LEADER_ADDRESS, addresses.get(leader));
    }
    return Status.UNAVAILABLE.withDescription("replica " + (me + 1) + " is not the leader").asRuntimeException(trailers);
  }

  /** Null if {@code me} may serve; otherwise the error to answer with. */
  private StatusRuntimeException refusal(int me) {
    if (down.contains(me)) {
      return Status.UNAVAILABLE.withDescription("replica " + (me + 1) + " is down").asRuntimeException();
    }
    if (leader != me) {
      return notLeader(me);
    }
    return null;
  }

  private static StatusRuntimeException error(NamespaceError e) {
    Metadata trailers = new Metadata();
    trailers.put(Errors.ERROR_DETAIL, ErrorDetail.newBuilder().setReason(e.getReason()).setMessage(e.getMessage()).build());
    return Status.fromCodeValue(e.getCode().getNumber()).withDescription(e.getMessage()).asRuntimeException(trailers);
  }

  private static StatusRuntimeException error(NamespaceException e) {
    return error(e.toProto());
  }

  /** Runs a mutating request: applies it, then answers (or loses the answer, if told to). */
  private <A> void mutate(
      int me, RequestHeader header, NamespaceCommand.Builder command, Function<NamespaceResult, A> answer, StreamObserver<A> out) {
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

  private <A> void query(int me, Function<Namespace, A> q, StreamObserver<A> out) {
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

  private final class Stream implements StreamObserver<KeepAliveRequest> {
    final int replica;
    final StreamObserver<KeepAliveResponse> out;
    long sessionId;
    long sentThrough;
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
              .addEvents(Event.newBuilder().setType(EventType.EVENT_TYPE_SESSION_EXPIRED).setIndex(ns.appliedIndex()))
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

  // ------------------------------------------------------------------ services

  private final class SessionService extends SessionGrpc.SessionImplBase {
    private final int me;

    SessionService(int me) {
      this.me = me;
    }

    @Override
    public void createSession(CreateSessionRequest r, StreamObserver<CreateSessionResponse> out) {
      synchronized (lock) {
        StatusRuntimeException refused = refusal(me);
        if (refused != null) {
          out.onError(refused);
          return;
        }
        NamespaceResult res =
            apply(
                NamespaceCommand.newBuilder()
                    .setCreateSession(
                        CreateSessionOp.newBuilder()
                            .setClientName(r.getClientName())
                            .setRequestedLeaseMillis(r.getRequestedLeaseMillis())),
                0,
                0);
        if (res.hasError()) {
          out.onError(error(res.getError()));
          return;
        }
        out.onNext(
            CreateSessionResponse.newBuilder()
                .setSessionId(res.getSessionCreated().getSessionId())
                .setLeaseMillis(res.getSessionCreated().getLeaseMillis())
                .setIndex(res.getIndex())
                .build());
        out.onCompleted();
      }
    }

    @Override
    public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> out) {
      synchronized (lock) {
        Stream s = new Stream(me, out);
        streams.add(s);
        return s;
      }
    }

    @Override
    public void closeSession(CloseSessionRequest r, StreamObserver<CloseSessionResponse> out) {
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setCloseSession(CloseSessionOp.getDefaultInstance()),
          res -> CloseSessionResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }
  }

  private final class NodeService extends NodeGrpc.NodeImplBase {
    private final int me;

    NodeService(int me) {
      this.me = me;
    }

    @Override
    public void create(CreateNodeRequest r, StreamObserver<CreateNodeResponse> out) {
      CreateNodeOp.Builder op =
          CreateNodeOp.newBuilder().setPath(r.getPath()).setKind(r.getKind()).setEphemeral(r.getEphemeral()).setContents(r.getContents());
      if (r.hasLockDelayMillis()) {
        op.setLockDelayMillis(r.getLockDelayMillis());
      }
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setCreateNode(op),
          res -> CreateNodeResponse.newBuilder().setStat(res.getStat()).setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void delete(DeleteNodeRequest r, StreamObserver<DeleteNodeResponse> out) {
      DeleteNodeOp.Builder op = DeleteNodeOp.newBuilder().setPath(r.getPath());
      if (r.hasExpectedInstance()) {
        op.setExpectedInstance(r.getExpectedInstance());
      }
      if (r.hasExpectedContentGeneration()) {
        op.setExpectedContentGeneration(r.getExpectedContentGeneration());
      }
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setDeleteNode(op),
          res -> DeleteNodeResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void setContents(SetContentsRequest r, StreamObserver<SetContentsResponse> out) {
      SetContentsOp.Builder op = SetContentsOp.newBuilder().setPath(r.getPath()).setContents(r.getContents());
      if (r.hasExpectedContentGeneration()) {
        op.setExpectedContentGeneration(r.getExpectedContentGeneration());
      }
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setSetContents(op),
          res -> SetContentsResponse.newBuilder().setStat(res.getStat()).setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void getContentsAndStat(GetContentsAndStatRequest r, StreamObserver<GetContentsAndStatResponse> out) {
      query(me, n -> n.getContentsAndStat(r.getPath()), out);
    }

    @Override
    public void getStat(GetStatRequest r, StreamObserver<GetStatResponse> out) {
      query(me, n -> n.getStat(r.getPath()), out);
    }

    @Override
    public void listChildren(ListChildrenRequest r, StreamObserver<ListChildrenResponse> out) {
      query(me, n -> n.listChildren(r.getPath()), out);
    }
  }

  private final class LockService extends LockGrpc.LockImplBase {
    private final int me;

    LockService(int me) {
      this.me = me;
    }

    @Override
    public void acquire(AcquireRequest r, StreamObserver<AcquireResponse> out) {
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder()
              .setAcquire(AcquireOp.newBuilder().setPath(r.getPath()).setMode(r.getMode()).setWaitMillis(r.getWaitMillis())),
          res -> {
            AcquireResponse.Builder b = AcquireResponse.newBuilder().setIndex(res.getIndex());
            if (res.getAcquire().hasGranted()) {
              b.setGranted(res.getAcquire().getGranted());
            } else {
              b.setQueued(res.getAcquire().getQueued());
            }
            return b.build();
          },
          out);
    }

    @Override
    public void release(ReleaseRequest r, StreamObserver<ReleaseResponse> out) {
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setRelease(ReleaseOp.newBuilder().setPath(r.getPath())),
          res -> ReleaseResponse.newBuilder().setWasWaiting(res.getRelease().getWasWaiting()).setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void getLockInfo(GetLockInfoRequest r, StreamObserver<GetLockInfoResponse> out) {
      query(me, n -> n.getLockInfo(r.getPath()), out);
    }

    @Override
    public void checkSequencer(CheckSequencerRequest r, StreamObserver<CheckSequencerResponse> out) {
      query(me, n -> n.checkSequencer(r.getSequencer()), out);
    }
  }

  private final class WatchService extends WatchGrpc.WatchImplBase {
    private final int me;

    WatchService(int me) {
      this.me = me;
    }

    @Override
    public void watch(WatchRequest r, StreamObserver<WatchResponse> out) {
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setWatch(WatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
          res -> WatchResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }

    @Override
    public void unwatch(UnwatchRequest r, StreamObserver<UnwatchResponse> out) {
      mutate(
          me,
          r.getHeader(),
          NamespaceCommand.newBuilder().setUnwatch(UnwatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
          res -> UnwatchResponse.newBuilder().setIndex(res.getIndex()).build(),
          out);
    }
  }

  private final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final int me;

    ClusterService(int me) {
      this.me = me;
    }

    @Override
    public void status(StatusRequest r, StreamObserver<StatusResponse> out) {
      synchronized (lock) {
        if (down.contains(me)) {
          out.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
          return;
        }
        StatusResponse.Builder b = StatusResponse.newBuilder().setLeaderId(leader + 1).setResponderId(me + 1);
        for (int i = 0; i < addresses.size(); i++) {
          b.addReplicas(
              ReplicaStatus.newBuilder()
                  .setId(i + 1)
                  .setAddress(addresses.get(i))
                  .setRole(down.contains(i) ? ReplicaRole.REPLICA_ROLE_UNREACHABLE
                      : i == leader ? ReplicaRole.REPLICA_ROLE_LEADER : ReplicaRole.REPLICA_ROLE_FOLLOWER)
                  .setBallot(((long) 3 << 16) | (leader + 1))
                  .setChosenSlot(slot)
                  .setAppliedSlot(slot)
                  .setLeaseRemainingMillis(i == leader ? 400 : 0));
        }
        out.onNext(b.build());
        out.onCompleted();
      }
    }

    @Override
    public void listSessions(ListSessionsRequest r, StreamObserver<ListSessionsResponse> out) {
      query(me, Namespace::listSessions, out);
    }

    @Override
    public void forceCloseSession(ForceCloseSessionRequest r, StreamObserver<ForceCloseSessionResponse> out) {
      synchronized (lock) {
        StatusRuntimeException refused = refusal(me);
        if (refused != null) {
          out.onError(refused);
          return;
        }
        NamespaceResult res =
            apply(
                NamespaceCommand.newBuilder()
                    .setExpireSession(
                        ExpireSessionOp.newBuilder().setSessionId(r.getSessionId()).setReason(ExpiryReason.EXPIRY_REASON_FORCE_CLOSED)),
                0,
                0);
        if (res.hasError()) {
          out.onError(error(res.getError()));
          return;
        }
        out.onNext(ForceCloseSessionResponse.newBuilder().setIndex(res.getIndex()).build());
        out.onCompleted();
      }
    }
  }
}
