package io.lockd.server;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceImage;
import io.lockd.namespace.NamespaceSizes;
import io.lockd.paxos.MembershipChange;
import io.lockd.paxos.Role;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SetAclOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CheckSequencerRequest;
import io.lockd.proto.v1.CheckSequencerResponse;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.DeleteNodeResponse;
import io.lockd.proto.v1.ForceCloseSessionRequest;
import io.lockd.proto.v1.ForceCloseSessionResponse;
import io.lockd.proto.v1.GetAclRequest;
import io.lockd.proto.v1.GetAclResponse;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListMembersResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.ReleaseResponse;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SetAclRequest;
import io.lockd.proto.v1.SetAclResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;
import io.lockd.proto.v1.UnwatchRequest;
import io.lockd.proto.v1.UnwatchResponse;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.proto.v1.WatchResponse;
import io.lockd.replica.ReplicaStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * The lock service over one replica, free of gRPC and threads: every method runs on the replica's
 * thread (production: {@code ReplicaLoop}; simulation: its event queue), answers through a {@link
 * Reply}, and never blocks. The driver calls {@link #onTick} periodically and {@link #onApplied}
 * after commands were applied; the replica must be flushed after each call, as after any input.
 *
 * <p>Request flow: refuse unless serving as leader (UNAVAILABLE with the leader hint); check the
 * request against the applied state ({@link RequestChecks}); then either read the namespace
 * directly (reads: under the lease, after the leadership no-op, so linearizable) or build the
 * command, stamp it with leader time and the client's acknowledged event index, propose it and
 * answer once it is applied.
 *
 * <p>Every request method takes the caller's identity ({@code caller}, empty for the anonymous
 * caller), which the gRPC layer captured on its own thread: commands carry it in their header, so
 * every replica checks ACLs and session ownership against the same value; reads check the ACL here,
 * against the state they read. Admin rights (ListSessions, ForceCloseSession) are the gRPC layer's
 * check, before it calls in.
 */
public final class CellServer {
  private final ServedReplica replica;
  private final Namespace namespace;
  private final Proposer proposer;
  private final LeaderDuties duties;

  /** Backups whose copy of the state is under way ({@link #saveSnapshot}). */
  private final List<Backup> backups = new ArrayList<>();

  private final EventStreams streams;
  private final RequestChecks checks;
  private final ServerEvents events;
  private final CacheCoherence cache;
  private final ParkedRequests parked;

  /**
   * @param namespace the state machine the replica applies commands to (the same object)
   * @param wall the leader time stamped on commands
   */
  public CellServer(
      ServedReplica replica,
      Namespace namespace,
      WallClock wall,
      ServerConfig config,
      ServerEvents events) {
    this.replica = replica;
    this.namespace = namespace;
    this.events = events;
    this.proposer = new Proposer(replica, wall);
    this.cache = new CacheCoherence(config);
    this.duties =
        new LeaderDuties(
            replica, namespace, wall, config, proposer, events, cache, this::closeStreams);
    this.streams = new EventStreams(replica, namespace, duties, config, cache);
    namespace.onFileChanges((path, index) -> cache.changed(path, index, replica.nowMillis()));
    this.checks = new RequestChecks(namespace);
    this.parked = new ParkedRequests(config.maxParkedRequests(), config.parkMillis());
  }

  // ---- driver inputs --------------------------------------------------------------------------

  public void onTick() {
    duties.onTick();
    retryParked();
    copyBackups();
  }

  public void onApplied() {
    streams.pushAll();
    retryParked();
  }

  /**
   * Whether {@link #onTick} has work at its short interval: while this replica leads or campaigns
   * (session expiry, timers, the term's start and end), while requests wait for an election, and
   * while a backup's copy is under way. A follower otherwise has nothing to time.
   */
  public boolean wantsFrequentTicks() {
    return replica.role() != Role.FOLLOWER
        || duties.inTerm()
        || parked.size() > 0
        || !backups.isEmpty();
  }

  /** Cache invalidations not yet acknowledged by their sessions, for metrics. */
  public int pendingInvalidations() {
    return cache.pendingInvalidations();
  }

  /** Counts of the namespace's nodes, sessions, locks and watches, for metrics. */
  public NamespaceSizes namespaceSizes() {
    return namespace.sizes();
  }

  /** Requests waiting for an election to end (status pages, tests). */
  public int parkedRequests() {
    return parked.size();
  }

  /** True while this replica answers clients (leads, lease held, no-op applied). */
  public boolean serving() {
    return duties.serving();
  }

  public int selfId() {
    return replica.selfId();
  }

  /** The replica's monotonic clock, in milliseconds. */
  public long nowMillis() {
    return replica.nowMillis();
  }

  /** Sessions the leader is timing (0 unless serving), for status pages. */
  public int trackedSessions() {
    return duties.sessionCount();
  }

  public int openStreams() {
    return streams.count();
  }

  // ---- sessions -------------------------------------------------------------------------------

  public void createSession(
      String caller, CreateSessionRequest r, Reply<CreateSessionResponse> reply) {
    if (refuse(
        reply, () -> createSession(caller, r, reply), () -> checks.clientName(r.getClientName()))) {
      return;
    }
    NamespaceCommand.Builder command =
        NamespaceCommand.newBuilder()
            .setHeader(CommandHeader.newBuilder().setIdentity(caller))
            .setCreateSession(
                CreateSessionOp.newBuilder()
                    .setRequestedLeaseMillis(r.getRequestedLeaseMillis())
                    .setClientName(r.getClientName())
                    .setCache(r.getCache()));
    propose(
        command,
        reply,
        result -> {
          long id = result.getSessionCreated().getSessionId();
          long lease = result.getSessionCreated().getLeaseMillis();
          duties.sessionCreated(id, lease);
          events.sessionCreated(id, lease);
          return CreateSessionResponse.newBuilder()
              .setSessionId(id)
              .setLeaseMillis(lease)
              .setIndex(result.getIndex())
              .build();
        });
  }

  public void closeSession(
      String caller, CloseSessionRequest r, Reply<CloseSessionResponse> reply) {
    if (refuse(
        reply,
        () -> closeSession(caller, r, reply),
        () -> checks.header(r.hasHeader(), r.getHeader()))) {
      return;
    }
    long id = r.getHeader().getSessionId();
    propose(
        client(caller, r.getHeader()).setCloseSession(CloseSessionOp.getDefaultInstance()),
        reply,
        result -> {
          duties.sessionEnded(id);
          events.sessionClosed(id);
          return CloseSessionResponse.newBuilder().setIndex(result.getIndex()).build();
        });
  }

  /**
   * Opens the server side of a KeepAlive stream; feed it the stream's requests. Only the session's
   * creator may keep it alive and read its events.
   */
  public KeepAliveStream openKeepAlive(String caller, EventSink sink) {
    return streams.open(caller, sink);
  }

  // ---- nodes ----------------------------------------------------------------------------------

  public void createNode(String caller, CreateNodeRequest r, Reply<CreateNodeResponse> reply) {
    if (refuse(
        reply,
        () -> createNode(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.createNode(r)))) {
      return;
    }
    CreateNodeOp.Builder op =
        CreateNodeOp.newBuilder()
            .setPath(r.getPath())
            .setKind(r.getKind())
            .setEphemeral(r.getEphemeral())
            .setContents(r.getContents());
    if (r.hasLockDelayMillis()) {
      op.setLockDelayMillis(r.getLockDelayMillis());
    }
    propose(
        client(caller, r.getHeader()).setCreateNode(op),
        reply,
        result ->
            CreateNodeResponse.newBuilder()
                .setStat(result.getStat())
                .setIndex(result.getIndex())
                .build());
  }

  public void deleteNode(String caller, DeleteNodeRequest r, Reply<DeleteNodeResponse> reply) {
    if (refuse(
        reply,
        () -> deleteNode(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.deleteNode(r)))) {
      return;
    }
    DeleteNodeOp.Builder op = DeleteNodeOp.newBuilder().setPath(r.getPath());
    if (r.hasExpectedInstance()) {
      op.setExpectedInstance(r.getExpectedInstance());
    }
    if (r.hasExpectedContentGeneration()) {
      op.setExpectedContentGeneration(r.getExpectedContentGeneration());
    }
    propose(
        client(caller, r.getHeader()).setDeleteNode(op),
        reply,
        result -> DeleteNodeResponse.newBuilder().setIndex(result.getIndex()).build());
  }

  public void setContents(String caller, SetContentsRequest r, Reply<SetContentsResponse> reply) {
    if (refuse(
        reply,
        () -> setContents(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.setContents(r)))) {
      return;
    }
    SetContentsOp.Builder op =
        SetContentsOp.newBuilder().setPath(r.getPath()).setContents(r.getContents());
    if (r.hasExpectedContentGeneration()) {
      op.setExpectedContentGeneration(r.getExpectedContentGeneration());
    }
    propose(
        client(caller, r.getHeader()).setSetContents(op),
        reply,
        result ->
            SetContentsResponse.newBuilder()
                .setStat(result.getStat())
                .setIndex(result.getIndex())
                .build());
  }

  public void getStat(String caller, GetStatRequest r, Reply<GetStatResponse> reply) {
    read(reply, () -> getStat(caller, r, reply), () -> namespace.getStat(caller, r.getPath()));
  }

  public void getContentsAndStat(
      String caller, GetContentsAndStatRequest r, Reply<GetContentsAndStatResponse> reply) {
    read(
        reply,
        () -> getContentsAndStat(caller, r, reply),
        () -> {
          GetContentsAndStatResponse answer = namespace.getContentsAndStat(caller, r.getPath());
          long cacher = r.getCacheSessionId();
          // Only the session's creator may make it a cacher of the file: another identity gets
          // the answer uncacheable, and the session no invalidations it did not ask for.
          return cacher == 0
              ? answer
              : cache.register(
                  cacher, duties.mayCache(cacher) && !ownedByAnother(cacher, caller), answer);
        });
  }

  public void listChildren(
      String caller, ListChildrenRequest r, Reply<ListChildrenResponse> reply) {
    read(reply, () -> listChildren(caller, r, reply), () -> namespace.listChildren(caller, r));
  }

  public void getAcl(String caller, GetAclRequest r, Reply<GetAclResponse> reply) {
    read(reply, () -> getAcl(caller, r, reply), () -> namespace.getAcl(caller, r.getPath()));
  }

  public void setAcl(String caller, SetAclRequest r, Reply<SetAclResponse> reply) {
    if (refuse(
        reply,
        () -> setAcl(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.setAcl(r)))) {
      return;
    }
    SetAclOp.Builder op = SetAclOp.newBuilder().setPath(r.getPath()).setAcl(r.getAcl());
    if (r.hasExpectedAclGeneration()) {
      op.setExpectedAclGeneration(r.getExpectedAclGeneration());
    }
    propose(
        client(caller, r.getHeader()).setSetAcl(op),
        reply,
        result ->
            SetAclResponse.newBuilder()
                .setStat(result.getStat())
                .setIndex(result.getIndex())
                .build());
  }

  // ---- locks ----------------------------------------------------------------------------------

  public void acquire(String caller, AcquireRequest r, Reply<AcquireResponse> reply) {
    if (refuse(
        reply,
        () -> acquire(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.acquire(r)))) {
      return;
    }
    AcquireOp op =
        AcquireOp.newBuilder()
            .setPath(r.getPath())
            .setMode(r.getMode())
            .setWaitMillis(r.getWaitMillis())
            .build();
    propose(
        client(caller, r.getHeader()).setAcquire(op),
        reply,
        result -> {
          AcquireResponse.Builder out = AcquireResponse.newBuilder().setIndex(result.getIndex());
          if (result.getAcquire().hasGranted()) {
            out.setGranted(result.getAcquire().getGranted());
          } else {
            out.setQueued(result.getAcquire().getQueued());
          }
          return out.build();
        });
  }

  public void release(String caller, ReleaseRequest r, Reply<ReleaseResponse> reply) {
    if (refuse(
        reply,
        () -> release(caller, r, reply),
        () -> checks(r.hasHeader(), r.getHeader(), () -> checks.release(r)))) {
      return;
    }
    propose(
        client(caller, r.getHeader()).setRelease(ReleaseOp.newBuilder().setPath(r.getPath())),
        reply,
        result ->
            ReleaseResponse.newBuilder()
                .setWasWaiting(result.getRelease().getWasWaiting())
                .setIndex(result.getIndex())
                .build());
  }

  public void getLockInfo(String caller, GetLockInfoRequest r, Reply<GetLockInfoResponse> reply) {
    read(reply, () -> getLockInfo(caller, r, reply), () -> namespace.getLockInfo(caller, r));
  }

  public void checkSequencer(
      String caller, CheckSequencerRequest r, Reply<CheckSequencerResponse> reply) {
    if (!r.hasSequencer()) {
      reply.error(ServerError.badArgument("sequencer is required"));
      return;
    }
    read(
        reply,
        () -> checkSequencer(caller, r, reply),
        () -> namespace.checkSequencer(r.getSequencer()));
  }

  // ---- watches --------------------------------------------------------------------------------

  public void watch(String caller, WatchRequest r, Reply<WatchResponse> reply) {
    if (refuse(
        reply,
        () -> watch(caller, r, reply),
        () ->
            checks(
                r.hasHeader(),
                r.getHeader(),
                () -> checks.watch(r.getPath(), r.getKind(), r.getKindValue())))) {
      return;
    }
    propose(
        client(caller, r.getHeader())
            .setWatch(WatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
        reply,
        result -> WatchResponse.newBuilder().setIndex(result.getIndex()).build());
  }

  public void unwatch(String caller, UnwatchRequest r, Reply<UnwatchResponse> reply) {
    if (refuse(
        reply,
        () -> unwatch(caller, r, reply),
        () ->
            checks(
                r.hasHeader(),
                r.getHeader(),
                () -> checks.watch(r.getPath(), r.getKind(), r.getKindValue())))) {
      return;
    }
    propose(
        client(caller, r.getHeader())
            .setUnwatch(UnwatchOp.newBuilder().setPath(r.getPath()).setKind(r.getKind())),
        reply,
        result -> UnwatchResponse.newBuilder().setIndex(result.getIndex()).build());
  }

  // ---- administration -------------------------------------------------------------------------

  public void listSessions(
      String caller, ListSessionsRequest r, Reply<ListSessionsResponse> reply) {
    read(reply, () -> listSessions(caller, r, reply), () -> namespace.listSessions(r));
  }

  /** Cell administration: the caller must be an admin (checked by the gRPC layer, which knows). */
  public void forceCloseSession(
      ForceCloseSessionRequest r, Reply<ForceCloseSessionResponse> reply) {
    if (refuse(reply, () -> forceCloseSession(r, reply), () -> checks.session(r.getSessionId()))) {
      return;
    }
    duties.expire(
        r.getSessionId(),
        ExpiryReason.EXPIRY_REASON_FORCE_CLOSED,
        new Reply<>() {
          @Override
          public void ok(Long index) {
            reply.ok(ForceCloseSessionResponse.newBuilder().setIndex(index).build());
          }

          @Override
          public void error(ServerError error) {
            reply.error(error);
          }
        });
  }

  /** The configuration as the leader knows it (admin right checked by the gRPC layer). */
  public void listMembers(Reply<ListMembersResponse> reply) {
    read(reply, () -> listMembers(reply), () -> MembershipAdmin.list(replica));
  }

  /** Proposes a membership change on the leader; answers once it is chosen and applied here. */
  public void changeMembership(MembershipChange change, Reply<MemberChangeResponse> reply) {
    if (refuse(reply, () -> changeMembership(change, reply), () -> {})) {
      return;
    }
    replica.proposeChange(
        change,
        MembershipAdmin.answer(replica, reply),
        refusal -> reply.error(MembershipAdmin.error(refusal, replica)));
  }

  /**
   * The whole namespace, for a backup: read on the leader like any read, so that it holds every
   * command acknowledged before the request. Only copied here: the caller encodes it, away from the
   * replica's loop ({@link NamespaceImage.Capture#encode}).
   */
  public void saveSnapshot(Reply<NamespaceImage.Capture> reply) {
    read(
        new Reply<>() {
          @Override
          public void ok(NamespaceImage.Capture capture) {
            backups.add(new Backup(capture, reply));
            copyBackups(); // a small state is whole after one step: answered at once
          }

          @Override
          public void error(ServerError error) {
            reply.error(error);
          }
        },
        () -> saveSnapshot(reply),
        namespace::imageCapture);
  }

  /** A backup's copy of the state, a step per tick, answered once whole. */
  private record Backup(NamespaceImage.Capture capture, Reply<NamespaceImage.Capture> reply) {}

  private void copyBackups() {
    for (Iterator<Backup> it = backups.iterator(); it.hasNext(); ) {
      Backup b = it.next();
      if (b.capture.copyMore()) {
        it.remove();
        b.reply.ok(b.capture);
      }
    }
  }

  /** This replica's own status, answered in any role (no lease needed). */
  public LocalStatus localStatus() {
    // The checksum the replica took, never one computed here: that is a whole encoding of the
    // state, seconds on the loop for a large one.
    ReplicaStatus status = replica.status();
    return new LocalStatus(status, replica.nowMillis(), status.stateChecksum(), duties.serving());
  }

  /** The newest configuration this replica knows (status pages: any role). */
  public io.lockd.paxos.Membership membership() {
    return replica.membership();
  }

  /** Runs a read of local state on behalf of status pages and tests (any role, no lease). */
  public <T> T readLocal(Function<Namespace, T> read) {
    return read.apply(namespace);
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private NamespaceCommand.Builder client(String caller, RequestHeader header) {
    return NamespaceCommand.newBuilder()
        .setHeader(
            CommandHeader.newBuilder()
                .setIdentity(caller)
                .setSessionId(header.getSessionId())
                .setSequence(header.getSequence())
                .setAckedEventIndex(duties.ackedEventIndex(header.getSessionId())));
  }

  /** Whether the session exists and another identity than {@code caller} created it. */
  private boolean ownedByAnother(long sessionId, String caller) {
    try {
      return !namespace.creatorOf(sessionId).equals(caller);
    } catch (NamespaceException gone) {
      return false;
    }
  }

  /** A mutating request's checks: its header first, then its operation. */
  private void checks(boolean hasHeader, RequestHeader header, Runnable operation) {
    checks.header(hasHeader, header);
    operation.run();
  }

  /**
   * Refuses unless serving, then runs the checks; true if the request was refused (or parked: see
   * {@link ParkedRequests}). {@code retry} runs the whole request again.
   */
  private boolean refuse(Reply<?> reply, Runnable retry, Runnable check) {
    if (!duties.serving()) {
      boolean electing = replica.leaderHint() < 0 || replica.leaderHint() == replica.selfId();
      if (!electing || !parked.park(retry, reply, replica.nowMillis())) {
        reply.error(ServerError.notLeader(replica.selfId(), replica.leaderHint()));
      }
      return true;
    }
    try {
      check.run();
      return false;
    } catch (ServerError.Refusal r) {
      reply.error(r.error());
      return true;
    }
  }

  /** Runs parked requests again once a leader is known; refuses those that waited too long. */
  private void retryParked() {
    boolean decided =
        duties.serving() || (replica.leaderHint() >= 0 && replica.leaderHint() != replica.selfId());
    parked.retry(
        decided,
        replica.nowMillis(),
        reply -> reply.error(ServerError.notLeader(replica.selfId(), replica.leaderHint())));
  }

  private <T> void read(Reply<T> reply, Runnable retry, java.util.function.Supplier<T> query) {
    if (refuse(reply, retry, () -> {})) {
      return;
    }
    T answer;
    try {
      answer = query.get();
    } catch (NamespaceException e) {
      reply.error(ServerError.of(e));
      return;
    }
    reply.ok(answer);
  }

  private <T> void propose(
      NamespaceCommand.Builder command, Reply<T> reply, Function<NamespaceResult, T> answer) {
    proposer.propose(
        command,
        new Proposer.Outcome() {
          @Override
          public void applied(NamespaceResult result) {
            Runnable send;
            if (result.hasError()) {
              ServerError error = ServerError.of(result.getError());
              send = () -> reply.error(error);
            } else {
              T value = answer.apply(result); // its bookkeeping happens now, at apply
              send = () -> reply.ok(value);
            }
            // Sent once every cache that may hold what this command changed was invalidated. An
            // abandoned answer is OUTCOME_UNKNOWN, not NOT_LEADER: the command was applied, and a
            // client must not take it for one that never reached the log.
            cache.answer(
                result.getIndex(),
                send,
                () ->
                    reply.error(
                        ServerError.outcomeUnknown(
                            "replica "
                                + replica.selfId()
                                + " applied the request but no longer serves as leader; retry it with the same"
                                + " sequence number to get its answer",
                            replica.leaderHint())));
          }

          @Override
          public void failed(ServerError error) {
            if (command.hasCreateSession() || command.hasCloseSession()) {
              duties.reconcileSoon();
            }
            reply.error(error);
          }
        });
  }

  private void closeStreams() {
    streams.closeAll();
  }
}
