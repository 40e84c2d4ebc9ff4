package io.lockd.namespace;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.invariant.Invariants;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;

/**
 * Applies one command to the state, in a fixed order:
 *
 * <ol>
 *   <li>count it (its index is the new count) and decode it; a payload that does not decode gets
 *       INVALID_ARGUMENT, on every replica alike;
 *   <li>move the clock to the command's leader time and fire the timers due by then (waits that
 *       reached their deadline end, lock-delays that ran out let waiters in), exactly as a Tick
 *       would;
 *   <li>for a client command: check that the command's identity created the session, then the
 *       sequence number ({@link SequenceRule}: a retry of the last applied request gets its
 *       remembered answer, a refused number leaves the record alone), discard the events the client
 *       acknowledged;
 *   <li>run the operation, which validates fully before it changes anything;
 *   <li>for a client command: remember the sequence number, the request's fingerprint and the
 *       encoded answer, a refusal included, so that a late duplicate can never apply after its
 *       refusal was reported.
 * </ol>
 *
 * <p>A refused command therefore changes only this bookkeeping (index, clock and due timers,
 * acknowledged events, the session's remembered answer), never nodes, locks, sessions or watches.
 */
final class CommandRunner {
  private final NamespaceState state;
  private final NodeOps nodes;
  private final LockOps locks;
  private final SessionOps sessions;
  private final WatchOps watches;

  CommandRunner(NamespaceState state, FileChangeListener changes) {
    this.state = state;
    EventRouter events = new EventRouter(state, changes);
    this.nodes = new NodeOps(state, events);
    this.locks = new LockOps(state, events);
    this.sessions = new SessionOps(state, nodes, locks);
    this.watches = new WatchOps(state);
  }

  byte[] apply(long slot, byte[] payload) {
    Invariants.check(slot >= state.lastSlot, "slot %d applied after slot %d", slot, state.lastSlot);
    state.lastSlot = slot;
    long index = ++state.appliedIndex;
    NamespaceCommand command;
    try {
      command = NamespaceCommand.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      return failure(
              index,
              NamespaceException.badArgument(
                  "command is not a NamespaceCommand: %s", e.getMessage()))
          .toByteArray();
    }
    state.advanceClock(command.getHeader().getLeaderTimeMillis());
    locks.fireDueTimers();
    return switch (command.getOpCase()) {
      case CREATE_SESSION, EXPIRE_SESSION, EXTEND_ALL_SESSIONS, TICK ->
          runWithoutSession(index, command);
      case OP_NOT_SET ->
          failure(index, NamespaceException.badArgument("command has no operation")).toByteArray();
      default -> runForSession(index, command).toByteArray();
    };
  }

  /** Session creation and the leader's own commands: no session, no exactly-once record. */
  private byte[] runWithoutSession(long index, NamespaceCommand command) {
    NamespaceResult.Builder result = NamespaceResult.newBuilder().setIndex(index);
    try {
      if (command.getHeader().getSessionId() != 0) {
        throw NamespaceException.badArgument(
            "%s takes no session, but session_id is set", command.getOpCase());
      }
      switch (command.getOpCase()) {
        case CREATE_SESSION ->
            result.setSessionCreated(
                sessions.create(command.getHeader().getIdentity(), command.getCreateSession()));
        case EXPIRE_SESSION -> sessions.expire(command.getExpireSession());
        case EXTEND_ALL_SESSIONS ->
            result.setExtended(sessions.extendAll(command.getExtendAllSessions()));
        case TICK -> {} // the timers already fired
        default ->
            throw new IllegalStateException("not a sessionless command: " + command.getOpCase());
      }
    } catch (NamespaceException e) {
      return failure(index, e).toByteArray();
    }
    return result.build().toByteArray();
  }

  private ByteString runForSession(long index, NamespaceCommand command) {
    CommandHeader header = command.getHeader();
    Session session = state.sessions.find(header.getSessionId());
    if (session == null) {
      return failure(index, NamespaceException.sessionNotFound(header.getSessionId()));
    }
    try {
      // Before the exactly-once record: a stolen session id neither gets the owner's remembered
      // answers nor spends the owner's sequence numbers.
      Access.requireCreator(session, header.getIdentity());
    } catch (NamespaceException e) {
      return failure(index, e);
    }
    long sequence = header.getSequence();
    long fingerprint = RequestFingerprint.of(command);
    try {
      if (SequenceRule.isRetry(session, sequence, fingerprint, state.limits.sequenceWindow())) {
        return session.lastResult();
      }
    } catch (NamespaceException e) {
      return failure(index, e);
    }
    session.events.discardThrough(header.getAckedEventIndex());
    ByteString answer;
    try {
      answer = run(index, session, sequence, command).toByteString();
    } catch (NamespaceException e) {
      answer = failure(index, e);
    }
    if (state.sessions.find(session.id) == session) {
      session.remember(sequence, fingerprint, answer);
    }
    return answer;
  }

  private NamespaceResult run(
      long index, Session session, long sequence, NamespaceCommand command) {
    NamespaceResult.Builder result = NamespaceResult.newBuilder().setIndex(index);
    String identity = command.getHeader().getIdentity();
    switch (command.getOpCase()) {
      case CLOSE_SESSION -> sessions.close(session);
      case CREATE_NODE -> result.setStat(nodes.create(session, identity, command.getCreateNode()));
      case DELETE_NODE -> nodes.delete(identity, command.getDeleteNode());
      case SET_CONTENTS -> result.setStat(nodes.setContents(identity, command.getSetContents()));
      case SET_ACL -> result.setStat(nodes.setAcl(identity, command.getSetAcl()));
      case ACQUIRE ->
          result.setAcquire(locks.acquire(session, identity, sequence, command.getAcquire()));
      case RELEASE -> result.setRelease(locks.release(session, identity, command.getRelease()));
      case WATCH -> watches.watch(session, identity, command.getWatch());
      case UNWATCH -> watches.unwatch(session, command.getUnwatch());
      default -> throw new IllegalStateException("not a session command: " + command.getOpCase());
    }
    return result.build();
  }

  private static ByteString failure(long index, NamespaceException e) {
    return NamespaceResult.newBuilder()
        .setIndex(index)
        .setError(e.toProto())
        .build()
        .toByteString();
  }
}
