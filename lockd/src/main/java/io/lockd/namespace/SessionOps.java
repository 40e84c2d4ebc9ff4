package io.lockd.namespace;

import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.ExtendAllSessionsOp;
import io.lockd.proto.ns.v1.SessionCreated;
import io.lockd.proto.ns.v1.SessionsExtended;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.ReleaseReason;
import java.util.List;

/**
 * Session lifecycle. The log records creation, clean close, expiry and a new leader's grace;
 * KeepAlives stay out of it (the leader tracks them in memory). The log does know a lower bound of
 * every session's deadline, and refuses a lease expiry before it: a confused or stale leader cannot
 * end a session the log says is alive.
 *
 * <p>Ending a session, in this order: its watches go (it would only be told about its own end); its
 * ephemeral nodes are deleted, deepest first, revoking other sessions' claims on them; its queued
 * acquires are withdrawn; its held locks are released, with each lock's lock-delay if the session
 * expired rather than closed; waiters that now fit are granted.
 */
final class SessionOps {
  /** Largest grace a new leader may give, so that a garbage value cannot pin sessions forever. */
  static final long GRACE_MAX_MILLIS = 600_000;

  private final NamespaceState state;
  private final NodeOps nodes;
  private final LockOps locks;

  SessionOps(NamespaceState state, NodeOps nodes, LockOps locks) {
    this.state = state;
    this.nodes = nodes;
    this.locks = locks;
  }

  /**
   * A client name is shown to people (lockctl, lock info): it must be printable as itself, by the
   * same rule as paths ({@link TextRules}, format characters included).
   */
  static void checkClientName(String name, NamespaceLimits limits) {
    String refusal = TextRules.refusal(name, true);
    if (refusal != null) {
      throw NamespaceException.badArgument(
          "client_name %s is invalid: it has %s", NodePath.quote(name), refusal);
    }
    int nameBytes = NodePath.utf8Length(name);
    if (nameBytes > limits.maxClientNameBytes()) {
      throw NamespaceException.badArgument(
          "client_name is %d bytes of UTF-8; limit maxClientNameBytes=%d",
          nameBytes, limits.maxClientNameBytes());
    }
  }

  SessionCreated create(String creator, CreateSessionOp op) {
    NamespaceLimits limits = state.limits;
    checkClientName(op.getClientName(), limits);
    if (state.sessions.size() >= limits.maxSessions()) {
      throw NamespaceException.limitReached(
          "maxSessions", limits.maxSessions(), "too many sessions");
    }
    long requested = op.getRequestedLeaseMillis();
    long lease =
        requested == 0
            ? limits.leaseDefaultMillis()
            : Math.max(
                limits.minLeaseMillis(), LockOps.clampUnsigned(requested, limits.maxLeaseMillis()));
    long now = state.clockMillis;
    Session session =
        new Session(
            state.nextSessionId(),
            op.getClientName(),
            creator,
            lease,
            now,
            now + lease,
            op.getCache());
    state.sessions.add(session);
    return SessionCreated.newBuilder().setSessionId(session.id).setLeaseMillis(lease).build();
  }

  void close(Session session) {
    end(session, ReleaseReason.RELEASE_REASON_SESSION_CLOSED);
  }

  void expire(ExpireSessionOp op) {
    ExpiryReason reason = op.getReason();
    if (reason != ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED
        && reason != ExpiryReason.EXPIRY_REASON_FORCE_CLOSED) {
      throw NamespaceException.badArgument(
          "expiry reason must be LEASE_EXPIRED or FORCE_CLOSED, was %s", reason);
    }
    Session session = state.sessions.get(op.getSessionId());
    long now = state.clockMillis;
    if (reason == ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED
        && now < session.loggedDeadlineMillis()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_LEASE_NOT_EXPIRED,
          "session %d is alive until leader time %d at least (now %d)",
          session.id,
          session.loggedDeadlineMillis(),
          now);
    }
    end(session, ReleaseReason.RELEASE_REASON_SESSION_EXPIRED);
  }

  SessionsExtended extendAll(ExtendAllSessionsOp op) {
    long grace = op.getGraceMillis();
    if (grace < 0 || grace > GRACE_MAX_MILLIS) {
      throw NamespaceException.badArgument(
          "grace_millis=%s exceeds %d", Long.toUnsignedString(grace), GRACE_MAX_MILLIS);
    }
    long until = state.clockMillis + grace;
    for (Session s : state.sessions.all()) {
      s.extendLoggedDeadline(until);
    }
    return SessionsExtended.newBuilder().setSessions(state.sessions.size()).build();
  }

  private void end(Session session, ReleaseReason reason) {
    state.watches.removeAll(session);
    for (String path : List.copyOf(session.ephemerals().descendingSet())) {
      Node node = state.nodes.get(path);
      locks.revokeForDeletion(node, session, reason);
      nodes.unlink(node);
    }
    locks.dropWaits(session);
    locks.releaseAll(session, reason);
    state.sessions.remove(session);
  }
}
