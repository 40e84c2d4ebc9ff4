package io.lockd.server;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.SessionSummary;
import io.lockd.paxos.Role;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.ExtendAllSessionsOp;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.server.SessionLeases.Lease;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the serving leader does, on the replica's thread: it keeps every session's deadline off
 * the log, grants a grace period when its leadership starts, expires sessions whose deadline
 * passed, and proposes a Tick when a namespace timer is due.
 *
 * <p>A <em>term</em> is one leadership, named by its ballot. It starts the first time this replica
 * leads and {@link ServedReplica#canServeReads} (its no-op applied, so the namespace holds every
 * session created before), and ends when the replica stops leading or leads under another ballot.
 * At the start every inherited session gets deadline now + max(grace, its lease stretched by the
 * drift bound), and an ExtendAllSessions(grace) is proposed; no session is expired before that
 * command is applied. The lease part is what safety needs: a lease an earlier leader granted ran
 * from before this term, so it has ended when that deadline passes. The grace part is only for
 * availability: time for live clients to find this leader and reopen their KeepAlive streams; the
 * longer it is, the longer a dead client's locks stay held after a leader change. A session is then
 * expired once both its deadline here has passed (monotonic clock) and the leader time has reached
 * its logged deadline (the namespace refuses earlier expiries), and only while this replica holds
 * its lease. Callbacks from an earlier term are ignored.
 */
final class LeaderDuties {
  private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);
  private static final long NO_TERM = Long.MIN_VALUE;

  /** Retry delay for an expiry the namespace refused as premature (a stepped-back wall clock). */
  private static final long EXPIRY_RETRY_MILLIS = 100;

  private final ServedReplica replica;
  private final Namespace namespace;
  private final WallClock wall;
  private final ServerConfig config;
  private final Proposer proposer;
  private final ServerEvents events;
  private final Runnable termEnded;
  private final CacheCoherence cache;
  private final SessionLeases leases = new SessionLeases();

  private long term = NO_TERM;
  private long termStartMillis;

  /** The sessions this term inherited, still being taken over a page per tick (null: all are). */
  private SessionWalk inheriting;

  /**
   * Every session with an id up to this one is timed here or was looked at: those created in this
   * term by commands this replica did not propose are found above it ({@link #adoptStrangers}).
   */
  private long adoptedThrough;

  /** The comparison of the deadline table with the namespace under way (null: none). */
  private SessionWalk reconciling;

  private boolean graceLogged;
  private boolean graceInFlight;
  private boolean tickInFlight;
  private boolean reconcileNeeded;
  private int expiriesInFlight;
  private long nextReconcileAt;

  LeaderDuties(
      ServedReplica replica,
      Namespace namespace,
      WallClock wall,
      ServerConfig config,
      Proposer proposer,
      ServerEvents events,
      CacheCoherence cache,
      Runnable termEnded) {
    this.cache = cache;
    this.replica = replica;
    this.namespace = namespace;
    this.wall = wall;
    this.config = config;
    this.proposer = proposer;
    this.events = events;
    this.termEnded = termEnded;
  }

  /** Notices a term starting or ending; true while one is running. */
  boolean observe() {
    boolean leading = replica.role() == Role.LEADER;
    if (term != NO_TERM && (!leading || replica.ballot() != term)) {
      endTerm();
    }
    if (term == NO_TERM && leading && replica.canServeReads()) {
      startTerm();
    }
    return term != NO_TERM;
  }

  /** True while a term runs (it may have ended without this replica noticing yet). */
  boolean inTerm() {
    return term != NO_TERM;
  }

  /** True while this replica may answer clients: a term runs and reads are safe now. */
  boolean serving() {
    return observe() && replica.canServeReads();
  }

  /** The periodic duties; does nothing unless a term runs and the lease holds. */
  void onTick() {
    if (!observe()) {
      return;
    }
    if (inheriting != null) {
      inheritPage();
    }
    adoptStrangers();
    if (!replica.holdsLease()) {
      return;
    }
    long now = replica.nowMillis();
    if (!graceLogged) {
      logGrace();
    } else if (inheriting == null) {
      if (reconciling == null && (reconcileNeeded || now >= nextReconcileAt)) {
        reconcileNeeded = false;
        nextReconcileAt = now + config.reconcileEveryMillis();
        reconciling = new SessionWalk(Long.MAX_VALUE);
      }
      if (reconciling != null) {
        reconcilePage(now);
      }
      expireDue(now);
    }
    cache.onTick(now, this::cacheDeadline);
    proposeTickIfDue();
  }

  // ---- sessions, as requests see them ---------------------------------------------------------

  /**
   * A KeepAlive: the session's deadline becomes now + its lease. Returns the lease left (its
   * length), or 0 if its expiry is already in flight. Throws NamespaceException NOT_FOUND if the
   * session does not exist.
   */
  long keepAlive(long sessionId, long lastSeenEventIndex) {
    long now = replica.nowMillis();
    inheritEarly(sessionId);
    Lease lease = leases.get(sessionId);
    if (lease == null) {
      SessionInfo info = namespace.getSession(sessionId);
      lease = leases.put(sessionId, info.getLeaseMillis(), now + info.getLeaseMillis(), false);
    }
    if (lease.expiring()) {
      return 0;
    }
    lease.ackedEventIndex = Math.max(lease.ackedEventIndex, lastSeenEventIndex);
    if (!cache.mayExtendLease(sessionId, lease.leaseMillis, now)) {
      return remainingMillis(sessionId); // it owes an invalidation acknowledgement
    }
    leases.setDeadline(lease, now + lease.leaseMillis);
    return lease.leaseMillis;
  }

  /** When the session's client must have stopped serving from its cache (MIN_VALUE: gone). */
  private long cacheDeadline(long sessionId) {
    Lease lease = leases.get(sessionId);
    return lease == null || lease.expiring() ? Long.MIN_VALUE : lease.deadlineMillis();
  }

  /** Whether the session exists here and was created to cache. */
  boolean mayCache(long sessionId) {
    Lease lease = leases.get(sessionId);
    if (lease == null || lease.expiring() || lease.deadlineMillis() <= replica.nowMillis()) {
      return false;
    }
    try {
      return namespace.getSession(sessionId).getCaching();
    } catch (NamespaceException gone) {
      return false;
    }
  }

  /** The lease left (at most its length), for event pushes between KeepAlives. */
  long remainingMillis(long sessionId) {
    Lease lease = leases.get(sessionId);
    if (lease == null || lease.expiring()) {
      return 0;
    }
    long left = lease.deadlineMillis() - replica.nowMillis();
    return Math.max(0, Math.min(left, lease.leaseMillis));
  }

  /** The session's lease length as the leader knows it (0 if unknown). */
  long leaseMillis(long sessionId) {
    Lease lease = leases.get(sessionId);
    return lease == null ? 0 : lease.leaseMillis;
  }

  /** True once per term for a session inherited from an earlier leadership (LEADER_CHANGED). */
  boolean firstContactSinceLeaderChange(long sessionId) {
    Lease lease = leases.get(sessionId);
    if (lease == null || !lease.inherited) {
      return false;
    }
    lease.inherited = false;
    return true;
  }

  /** The client's latest acknowledged event index, for the command header. */
  long ackedEventIndex(long sessionId) {
    Lease lease = leases.get(sessionId);
    return lease == null ? 0 : lease.ackedEventIndex;
  }

  void sessionCreated(long sessionId, long leaseMillis) {
    if (term != NO_TERM) {
      leases.put(sessionId, leaseMillis, replica.nowMillis() + leaseMillis, false);
    }
  }

  void sessionEnded(long sessionId) {
    leases.remove(sessionId);
    cache.sessionEnded(sessionId);
  }

  /** A session-changing command's outcome is unknown: compare with the namespace soon. */
  void reconcileSoon() {
    reconcileNeeded = true;
  }

  int sessionCount() {
    return leases.size();
  }

  // ---- the term -------------------------------------------------------------------------------

  private void startTerm() {
    term = replica.ballot();
    long now = replica.nowMillis();
    termStartMillis = now;
    leases.clear();
    graceInFlight = false;
    tickInFlight = false;
    reconcileNeeded = false;
    reconciling = null;
    expiriesInFlight = 0;
    nextReconcileAt = now + config.reconcileEveryMillis();
    adoptedThrough = namespace.lastSessionId(); // the inheritance walk covers those
    int inherited = namespace.sessionCount();
    graceLogged = inherited == 0 || config.graceMillis() == 0;
    cache.startTerm(term);
    inheriting = new SessionWalk(namespace.lastSessionId());
    if (inheriting.done()) {
      inheriting = null; // nothing to take over
      cache.inheritedAll();
    }
    events.leadershipStarted(term, inherited, config.graceMillis());
  }

  /**
   * Takes over the next page of inherited sessions: each gets deadline term start + max(grace,
   * outlast(lease)), and a caching one must drain. Nothing is expired before every page is done.
   */
  private void inheritPage() {
    for (SessionSummary s : inheriting.next(namespace)) {
      inherit(s);
    }
    if (inheriting.done()) {
      inheriting = null;
      cache.inheritedAll();
    }
  }

  private void inherit(SessionSummary s) {
    inherit(s, termStartMillis);
  }

  /** Takes a session over, with a lease counted from {@code leaseFrom} at the earliest. */
  private void inherit(SessionSummary s, long leaseFrom) {
    if (leases.get(s.sessionId()) != null) {
      return; // heard from already in this term (inheritEarly), or created by its own proposal
    }
    long keep = Math.max(config.graceMillis(), config.outlastMillis(s.leaseMillis()));
    long deadline = Math.max(termStartMillis + keep, leaseFrom + s.leaseMillis());
    leases.put(s.sessionId(), s.leaseMillis(), deadline, true);
    cache.inherit(s, termStartMillis);
  }

  /**
   * Takes over the sessions created in this term by commands this replica did not propose. A leader
   * may re-propose, above its own first slot, values an earlier leader proposed (promises from the
   * voters of a configuration that came into force after Phase 1 report them), and a CreateSession
   * among them is applied with nobody here waiting for its answer, so {@link #sessionCreated} never
   * runs for it. Untimed, such a session would outlive its client until the next reconciliation. It
   * is taken over as if inherited: an earlier leader may have answered its client.
   */
  private void adoptStrangers() {
    long last = namespace.lastSessionId();
    if (last <= adoptedThrough) {
      return;
    }
    List<SessionSummary> page = namespace.sessionSummaries(adoptedThrough, SessionWalk.PAGE);
    long now = replica.nowMillis();
    for (SessionSummary s : page) {
      inherit(s, now);
    }
    adoptedThrough = page.size() < SessionWalk.PAGE ? last : page.get(page.size() - 1).sessionId();
  }

  /**
   * A request of an inherited session that the walk has not reached yet: take it over now, as the
   * walk would have, so that it gets LEADER_CHANGED and, if it caches, drains like every other.
   * Call before the request touches the cache's state.
   */
  void inheritEarly(long sessionId) {
    if (inheriting == null || !inheriting.ahead(sessionId) || leases.get(sessionId) != null) {
      return;
    }
    try {
      SessionInfo info = namespace.getSession(sessionId);
      inherit(new SessionSummary(sessionId, info.getLeaseMillis(), info.getCaching()));
    } catch (NamespaceException gone) {
      // nothing to take over: the request itself is answered as for a session that is gone
    }
  }

  private void endTerm() {
    long ended = term;
    term = NO_TERM;
    inheriting = null;
    reconciling = null;
    leases.clear();
    cache.endTerm();
    termEnded.run();
    events.leadershipEnded(ended, replica.leaderHint());
  }

  private void logGrace() {
    if (graceInFlight) {
      return;
    }
    graceInFlight = true;
    long proposedIn = term;
    NamespaceCommand.Builder command =
        NamespaceCommand.newBuilder()
            .setExtendAllSessions(
                ExtendAllSessionsOp.newBuilder().setGraceMillis(config.graceMillis()));
    proposer.propose(
        command,
        new Proposer.Outcome() {
          @Override
          public void applied(NamespaceResult result) {
            if (proposedIn == term) {
              graceInFlight = false;
              graceLogged = true;
              if (result.hasError()) {
                log.warn(
                    "replica {}: ExtendAllSessions refused: {}",
                    replica.selfId(),
                    result.getError().getMessage());
              }
            }
          }

          @Override
          public void failed(ServerError error) {
            if (proposedIn == term) {
              graceInFlight = false; // the next tick retries
            }
          }
        });
  }

  private void expireDue(long now) {
    long leaderTime = Math.max(wall.nowMillis(), namespace.clockMillis());
    Lease due;
    while (expiriesInFlight < config.maxExpiriesInFlight()
        && (due = leases.firstDue(now)) != null) {
      long logged;
      try {
        logged = namespace.getSession(due.sessionId).getLoggedDeadlineMillis();
      } catch (NamespaceException gone) {
        leases.remove(due.sessionId);
        continue;
      }
      if (leaderTime < logged) {
        leases.setDeadline(due, now + (logged - leaderTime));
      } else {
        expire(due, ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED, null);
      }
    }
  }

  /**
   * Proposes the end of a session. {@code reply}, if given, hears the outcome (ForceCloseSession);
   * the leader's own bookkeeping happens either way.
   */
  void expire(long sessionId, ExpiryReason reason, Reply<Long> reply) {
    Lease lease = leases.get(sessionId);
    if (lease == null) {
      long now = replica.nowMillis();
      lease = leases.put(sessionId, 0, now, false);
    }
    expire(lease, reason, reply);
  }

  private void expire(Lease lease, ExpiryReason reason, Reply<Long> reply) {
    leases.markExpiring(lease);
    expiriesInFlight++;
    long proposedIn = term;
    long id = lease.sessionId;
    NamespaceCommand.Builder command =
        NamespaceCommand.newBuilder()
            .setExpireSession(ExpireSessionOp.newBuilder().setSessionId(id).setReason(reason));
    proposer.propose(
        command,
        new Proposer.Outcome() {
          @Override
          public void applied(NamespaceResult result) {
            if (proposedIn == term) {
              expiriesInFlight--;
              settle(lease, result);
            }
            if (!result.hasError()) {
              events.sessionExpired(id, reason);
            }
            if (reply != null) {
              if (result.hasError()) {
                reply.error(ServerError.of(result.getError()));
              } else {
                reply.ok(result.getIndex());
              }
            }
          }

          @Override
          public void failed(ServerError error) {
            if (proposedIn == term) {
              expiriesInFlight--;
              retryLater(lease, lease.deadlineMillis());
              reconcileSoon();
            }
            if (reply != null) {
              reply.error(error);
            }
          }
        });
  }

  private void settle(Lease lease, NamespaceResult result) {
    if (!result.hasError()
        || result.getError().getReason() == ErrorReason.ERROR_REASON_SESSION_NOT_FOUND) {
      sessionEnded(lease.sessionId);
    } else {
      retryLater(lease, replica.nowMillis() + EXPIRY_RETRY_MILLIS);
    }
  }

  private void retryLater(Lease lease, long deadline) {
    if (leases.get(lease.sessionId) == lease) {
      leases.setDeadline(lease, deadline);
    }
  }

  private void proposeTickIfDue() {
    if (tickInFlight) {
      return;
    }
    OptionalLong timer = namespace.nextTimerMillis();
    if (timer.isEmpty() || wall.nowMillis() < timer.getAsLong()) {
      return;
    }
    tickInFlight = true;
    long proposedIn = term;
    proposer.propose(
        NamespaceCommand.newBuilder().setTick(TickOp.getDefaultInstance()),
        new Proposer.Outcome() {
          @Override
          public void applied(NamespaceResult result) {
            done();
          }

          @Override
          public void failed(ServerError error) {
            done();
          }

          private void done() {
            if (proposedIn == term) {
              tickInFlight = false;
            }
          }
        });
  }

  /**
   * One page of making the deadline table hold exactly the namespace's sessions: adds those it
   * lacks, drops those the namespace no longer has (in the page's id range, or above it on the last
   * page).
   */
  private void reconcilePage(long now) {
    long from = reconciling.visitedThrough();
    List<SessionSummary> page = reconciling.next(namespace);
    TreeSet<Long> live = new TreeSet<>();
    for (SessionSummary s : page) {
      live.add(s.sessionId());
      if (leases.get(s.sessionId()) == null) {
        leases.put(s.sessionId(), s.leaseMillis(), now + s.leaseMillis(), false);
      }
    }
    long through = reconciling.done() ? Long.MAX_VALUE : reconciling.visitedThrough();
    List<Long> gone = new ArrayList<>();
    for (long id : leases.idsBetween(from, through)) {
      if (!live.contains(id) && !leases.get(id).expiring()) {
        gone.add(id);
      }
    }
    gone.forEach(this::sessionEnded);
    if (reconciling.done()) {
      reconciling = null;
    }
  }
}
