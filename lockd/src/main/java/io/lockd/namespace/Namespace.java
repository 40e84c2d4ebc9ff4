package io.lockd.namespace;

import io.lockd.paxos.Command;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.v1.CheckSequencerResponse;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.GetAclResponse;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.replica.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * The lockd namespace as a replicated state machine: the node tree, sessions, reader-writer locks
 * with sequencers and lock-delay, watches and per-session event buffers (DESIGN.md, "The
 * namespace").
 *
 * <p>Commands: {@link #apply} takes a {@link Command} whose payload is an encoded {@link
 * NamespaceCommand} and returns an encoded {@link NamespaceResult}. It is deterministic: its only
 * clock is the leader time stamped in each command (the clock moves to the largest seen and never
 * back), ids come from counters in the state, and nothing iterates an unordered collection.
 * Applying the same commands from the same snapshot gives the same bytes on every replica.
 *
 * <p>Index: every applied command, refused or not, gets the next index (the count of applied
 * commands). Results and events carry it; it is monotone across snapshots and the same on every
 * replica, so a client can resume its event stream from any leader.
 *
 * <p>Reads: the {@code get*}, {@code list*}, {@link #checkSequencer} and {@link #eventsSince}
 * queries serve the server from the applied state without the log; they throw {@link
 * NamespaceException} (its code is the gRPC status code) when refused. Those that take an {@code
 * identity} are what clients get: they check the node's ACL (docs/security.md) first; the others
 * read unchecked, for the server's own bookkeeping, status pages and tests.
 *
 * <p>Identities: every client command carries its caller's identity in its header (empty: the
 * anonymous caller); a session answers only to the identity that created it, and each operation
 * needs a right on the node it touches ({@link Acl}: read, write, lock, admin).
 *
 * <p>Not thread-safe: the replica's event loop owns it.
 */
public final class Namespace implements StateMachine {
  private final NamespaceLimits limits;
  private NamespaceState state;

  /**
   * The last snapshot {@link #readable} decoded, and what it decoded to, for the {@link
   * #restore(SnapshotBytes)} that follows (its bytes never change, so the same object decodes to
   * the same state).
   */
  private SnapshotBytes checkedSnapshot;

  private NamespaceState checkedState;
  private CommandRunner runner;
  private FileChangeListener changes = FileChangeListener.NONE;

  /** A namespace with the default limits, holding only the root. */
  public Namespace() {
    this(NamespaceLimits.defaults());
  }

  /** A namespace holding only the root; every replica of a cell must use equal limits. */
  public Namespace(NamespaceLimits limits) {
    this.limits = limits;
    install(new NamespaceState(limits));
  }

  /**
   * The namespace a snapshot holds, under the limits it was taken under (a backup being restored).
   * Throws IllegalStateException if the snapshot is damaged.
   */
  public static Namespace fromSnapshot(SnapshotBytes snapshot) {
    Namespace namespace = new Namespace(SnapshotCodec.limitsOf(snapshot));
    namespace.restore(snapshot);
    return namespace;
  }

  @Override
  public byte[] apply(long slot, Command command) {
    return runner.apply(slot, command.payload());
  }

  @Override
  public byte[] snapshot() {
    return SnapshotCodec.write(state);
  }

  @Override
  public Image capture() {
    return new NamespaceCapture(state, NamespaceCapture.NODES_PER_STEP);
  }

  /**
   * A capture that copies {@code nodesPerStep} nodes per step: simulations and tests cross many
   * steps, with commands applied between them, in states far smaller than a step of {@link
   * #capture}.
   */
  public Image capture(int nodesPerStep) {
    return new NamespaceCapture(state, nodesPerStep);
  }

  /**
   * Replaces the state with a snapshot. Throws IllegalStateException, leaving the current state in
   * place, if the snapshot is damaged or was taken under other limits.
   */
  @Override
  public void restore(byte[] snapshot) {
    restore(SnapshotBytes.of(snapshot));
  }

  /**
   * As {@link #restore(byte[])}, reading the bytes as a stream wherever they are. The snapshot just
   * found {@link #readable} is not decoded again: a replica checks a peer's snapshot and installs
   * it in the same turn, and at a gigabyte each decoding takes seconds.
   */
  @Override
  public void restore(SnapshotBytes snapshot) {
    NamespaceState decoded =
        snapshot == checkedSnapshot ? checkedState : SnapshotCodec.read(snapshot, limits);
    checkedSnapshot = null;
    checkedState = null;
    install(decoded);
  }

  @Override
  public boolean readable(byte[] snapshot) {
    return readable(SnapshotBytes.of(snapshot));
  }

  @Override
  public boolean readable(SnapshotBytes snapshot) {
    checkedSnapshot = null;
    checkedState = null;
    try {
      NamespaceState decoded = SnapshotCodec.read(snapshot, limits);
      checkedSnapshot = snapshot;
      checkedState = decoded;
      return true;
    } catch (RuntimeException e) {
      return false; // damaged, forged, or taken under other limits
    }
  }

  private void install(NamespaceState newState) {
    this.state = newState;
    this.runner = new CommandRunner(newState, changes);
  }

  /** Tells {@code listener} about every later change of a node's cacheable state. */
  public void onFileChanges(FileChangeListener listener) {
    this.changes = listener;
    this.runner = new CommandRunner(state, listener);
  }

  /**
   * Gives {@code each} every session that got events or ended since the last call, ascending, and
   * forgets them; returns false instead (giving none) when that is not known, after a restore or
   * when too many piled up: then any session may have news. Not replicated state: the server drains
   * it after each applied batch to push events to those sessions' streams only.
   */
  public boolean drainSessionNews(LongConsumer each) {
    return state.sessions.news.drain(each);
  }

  public NamespaceLimits limits() {
    return limits;
  }

  /** The count of applied commands: the index of the latest one. */
  public long appliedIndex() {
    return state.appliedIndex;
  }

  /** The whole state with where it stands in the log, for a backup. */
  public NamespaceImage image() {
    NamespaceImage.Capture capture = NamespaceImage.capture(state, Integer.MAX_VALUE);
    capture.copyMore();
    return capture.encode();
  }

  /**
   * The same, copied in steps on the replica's loop ({@link NamespaceImage.Capture#copyMore}, until
   * it returns true) and encoded later by whoever calls {@link NamespaceImage.Capture#encode}: what
   * a backup on a serving replica takes, so that the loop pays only for the copy, a few
   * milliseconds per turn.
   */
  public NamespaceImage.Capture imageCapture() {
    return NamespaceImage.capture(state, NamespaceCapture.NODES_PER_STEP);
  }

  /** Counts of nodes, sessions, locks, watches and buffered events, for metrics. */
  public NamespaceSizes sizes() {
    return NamespaceSizes.of(state);
  }

  /** The state machine's clock: the largest leader time seen. */
  public long clockMillis() {
    return state.clockMillis;
  }

  /**
   * The leader time at which the earliest waiting deadline or lock-delay ends, if any: the leader
   * proposes a Tick then, unless other commands carry the time past it anyway.
   */
  public OptionalLong nextTimerMillis() {
    return state.locks.nextTimerMillis();
  }

  /** A 64-bit checksum of the whole state (of {@link #snapshot}); equal states, equal checksums. */
  public long stateChecksum() {
    return Checksums.state(snapshot());
  }

  public GetStatResponse getStat(String path) {
    return Queries.stat(state, path);
  }

  /** The stat, if {@code identity} may read the node. */
  public GetStatResponse getStat(String identity, String path) {
    Queries.requireRead(state, identity, path);
    return getStat(path);
  }

  /** Contents and stat, if {@code identity} may read the node. */
  public GetContentsAndStatResponse getContentsAndStat(String identity, String path) {
    Queries.requireRead(state, identity, path);
    return getContentsAndStat(path);
  }

  /** One page of children, if {@code identity} may read the directory. */
  public ListChildrenResponse listChildren(String identity, ListChildrenRequest request) {
    Queries.requireRead(state, identity, request.getPath());
    return listChildren(request);
  }

  /** One page of a lock's holders and waiters, if {@code identity} may read the node. */
  public GetLockInfoResponse getLockInfo(String identity, GetLockInfoRequest request) {
    Queries.requireRead(state, identity, request.getPath());
    return getLockInfo(request);
  }

  /** A node's ACL and stat, if {@code identity} may read the node. */
  public GetAclResponse getAcl(String identity, String path) {
    Queries.requireRead(state, identity, path);
    return Queries.acl(state, path);
  }

  /** Contents and stat; a directory reads as empty contents. */
  public GetContentsAndStatResponse getContentsAndStat(String path) {
    return Queries.contents(state, path);
  }

  /** Every child at once (clients get pages: {@link #listChildren(ListChildrenRequest)}). */
  public ListChildrenResponse listChildren(String path) {
    return Queries.children(state, path);
  }

  /** One page of a directory's children, as the request's page_size and page_token ask. */
  public ListChildrenResponse listChildren(ListChildrenRequest request) {
    return Listings.children(state, request);
  }

  /** Every holder and waiter at once (clients get {@link #getLockInfo(GetLockInfoRequest)}). */
  public GetLockInfoResponse getLockInfo(String path) {
    return Queries.lockInfo(state, path);
  }

  /** One page of a lock's holders, then waiters, as the request asks. */
  public GetLockInfoResponse getLockInfo(GetLockInfoRequest request) {
    return Listings.lockInfo(state, request);
  }

  /** Answers OK (with the index) if valid; throws FAILED_PRECONDITION saying why if not. */
  public CheckSequencerResponse checkSequencer(Sequencer sequencer) {
    return Queries.checkSequencer(state, sequencer);
  }

  /** Every session at once, with all its locks (clients get the paged form below). */
  public ListSessionsResponse listSessions() {
    return Queries.sessions(state);
  }

  /**
   * One page of the sessions, as the request asks; each lists the paths of its locks only up to
   * {@link Listings#SESSION_LOCK_PATHS_BYTES_MAX} bytes (their counts are always whole).
   */
  public ListSessionsResponse listSessions(ListSessionsRequest request) {
    return Listings.sessions(state, request);
  }

  /**
   * Throws INVALID_ARGUMENT if a session could not be created with this client name (too long, or a
   * character {@link TextRules} refuses): the check a CreateSession command gets when applied.
   */
  public void checkClientName(String name) {
    SessionOps.checkClientName(name, limits);
  }

  /** Throws INVALID_ARGUMENT, as a SetAcl command would when applied, for a malformed ACL. */
  public static void checkAcl(io.lockd.proto.v1.Acl acl) {
    Acl.fromProto(acl);
  }

  /** The identity that created a session (empty: anonymous); NOT_FOUND if it does not exist. */
  public String creatorOf(long sessionId) {
    return state.sessions.get(sessionId).creator;
  }

  /** "identity \"alice\"" or "the anonymous caller", as refusals name a caller. */
  public static String describeIdentity(String identity) {
    return Access.who(identity);
  }

  /**
   * At most {@code max} sessions with an id above {@code afterId}, ascending by id: the leader
   * walks its sessions a page per turn of its loop with this, never all at once.
   */
  public List<SessionSummary> sessionSummaries(long afterId, int max) {
    List<SessionSummary> page = new ArrayList<>(Math.min(max, state.sessions.size()));
    for (Session s : state.sessions.after(afterId)) {
      if (page.size() == max) {
        break;
      }
      page.add(new SessionSummary(s.id, s.leaseMillis, s.caching));
    }
    return page;
  }

  /** How many sessions exist. */
  public int sessionCount() {
    return state.sessions.size();
  }

  /** The highest id of a session that exists, or 0 if none does. */
  public long lastSessionId() {
    return state.sessions.lastId();
  }

  /** One session; NOT_FOUND if it does not exist (any more). */
  public SessionInfo getSession(long sessionId) {
    return Queries.session(state, sessionId);
  }

  /**
   * Refuses, as {@link #apply} would, a sequence number that session {@code sessionId} cannot take
   * as a new request or a retry: zero, below its last applied one, or beyond the sequence window
   * above it (see {@link SequenceRule}). NOT_FOUND if the session does not exist (any more).
   */
  public void checkSequence(long sessionId, long sequence) {
    SequenceRule.checkNew(state.sessions.get(sessionId), sequence, limits.sequenceWindow());
  }

  /**
   * The session's buffered events after {@code lastSeenIndex}, in order; a RESYNC event first if
   * some of them were dropped. NOT_FOUND if the session does not exist (any more).
   */
  public List<Event> eventsSince(long sessionId, long lastSeenIndex) {
    return Queries.eventsSince(state, sessionId, lastSeenIndex);
  }
}
