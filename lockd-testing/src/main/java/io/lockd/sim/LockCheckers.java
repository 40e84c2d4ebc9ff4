package io.lockd.sim;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.SessionInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lock-service checkers. They watch what every replica applies and what every leader proposes,
 * and what clients and the fenced resource see:
 *
 * <ul>
 *   <li>mutual exclusion: an exclusive lock has at most one holder, each lock generation belongs to
 *       one session, and the resource never has to turn away a holder whose session lease is still
 *       valid in its own conservative view (someone else was granted its lock);
 *   <li>lock-delay: after a holder's session expires, nobody is granted its locks before the
 *       lock-delay has passed (in leader time, the namespace's clock);
 *   <li>ephemeral nodes exist exactly while their session does;
 *   <li>ACLs ({@link AclChecker}): no command succeeds that the ACLs in force did not allow.
 * </ul>
 *
 * Whether a leader may expire a session is judged by the workload, which knows what its clients
 * count on ({@link #onExpiryProposed}); lock-client's simulation checks there, and checks the order
 * of the events its real clients deliver, on their watches.
 */
public final class LockCheckers {
  private final List<String> lockPaths;
  private final long lockDelayMillis;

  /** Lock generation -> session it was granted to (across all replicas and time). */
  private final Map<Long, Long> generationOwner = new HashMap<>();

  /** Per replica: lock path -> namespace time its holder's session expired. */
  private final Map<Integer, Map<String, Long>> expiredAt = new HashMap<>();

  /**
   * Per replica: the session an ExpireSession being applied names, and the locks it held. The
   * expiry may be refused (a new leader's grace extended the session after the old leader proposed
   * it: LEASE_NOT_EXPIRED), so whether the lock-delay runs is known only after the apply.
   */
  private final Map<Integer, PendingExpiry> pendingExpiry = new HashMap<>();

  private record PendingExpiry(long session, List<String> heldLocks) {}

  /** Session -> ephemeral path its client created (acknowledged). */
  private final Map<Long, String> ephemerals = new TreeMap<>();

  private final Map<Integer, List<Long>> endingSessions = new HashMap<>();
  public long grants;
  public long fencedRejections;

  /** Node ACLs and session ownership, on every command each replica applies. */
  public final AclChecker acl = new AclChecker();

  /**
   * Told of every ExpireSession a leader proposes, at the instant it proposes it: the workload
   * checks there that none of its clients still counts on that session (lock-client's simulation).
   */
  public java.util.function.LongConsumer onExpiryProposed = session -> {};

  public LockCheckers(List<String> lockPaths, long lockDelayMillis) {
    this.lockPaths = lockPaths;
    this.lockDelayMillis = lockDelayMillis;
  }

  // ---- what leaders propose -----------------------------------------------------------------

  void proposed(int replica, NamespaceCommand command) {
    if (command.hasExpireSession()) {
      onExpiryProposed.accept(command.getExpireSession().getSessionId());
    }
  }

  // ---- what replicas apply ------------------------------------------------------------------

  void beforeApply(int replica, Namespace ns, Command command) {
    NamespaceCommand c = decode(command);
    acl.beforeApply(replica, ns, c);
    long ending =
        c.hasExpireSession()
            ? c.getExpireSession().getSessionId()
            : c.hasCloseSession() ? c.getHeader().getSessionId() : 0;
    if (ending == 0) {
      return;
    }
    endingSessions.computeIfAbsent(replica, r -> new ArrayList<>()).add(ending);
    if (c.hasExpireSession()) {
      SessionInfo info = session(ns, ending);
      if (info != null) {
        pendingExpiry.put(replica, new PendingExpiry(ending, info.getHeldLocksList()));
      }
    }
  }

  /**
   * A replica whose namespace starts over (a process start, or a snapshot installed in place of its
   * state) applies the history again from that point; what this checker noted from its earlier
   * applies would be compared with grants that, in the history, came before it.
   */
  void stateReplaced(int replica, Namespace ns) {
    acl.stateReplaced(replica, ns);
    expiredAt.remove(replica);
    pendingExpiry.remove(replica);
    endingSessions.remove(replica);
  }

  void afterApply(int replica, Namespace ns, Command command, byte[] result) {
    acl.afterApply(replica, decode(command), result);
    Map<String, Long> mine = expiredAt.computeIfAbsent(replica, r -> new HashMap<>());
    PendingExpiry expiry = pendingExpiry.remove(replica);
    if (expiry != null && session(ns, expiry.session()) == null) {
      for (String path : expiry.heldLocks()) {
        mine.put(path, ns.clockMillis()); // the expiry took effect: the lock-delay runs from now
      }
    }
    for (String path : lockPaths) {
      checkLock(replica, ns, path, mine.get(path));
    }
    List<Long> ending = endingSessions.remove(replica);
    if (ending != null) {
      for (long s : ending) {
        String eph = ephemerals.get(s);
        if (eph != null && session(ns, s) == null && exists(ns, eph)) {
          throw new Violation(
              "ephemeral: " + eph + " outlived its session " + s + " on replica " + replica);
        }
      }
    }
  }

  private void checkLock(int replica, Namespace ns, String path, Long expiredAtMillis) {
    List<LockHolder> holders;
    try {
      holders = ns.getLockInfo(path).getLock().getHoldersList();
    } catch (NamespaceException e) {
      return; // not created yet
    }
    int exclusive = 0;
    for (LockHolder h : holders) {
      if (h.getMode() == LockMode.LOCK_MODE_EXCLUSIVE) {
        exclusive++;
      }
      Long owner = generationOwner.putIfAbsent(h.getLockGeneration(), h.getSessionId());
      if (owner == null) {
        grants++;
      } else if (owner != h.getSessionId()) {
        throw new Violation(
            "mutual exclusion: generation "
                + h.getLockGeneration()
                + " of "
                + path
                + " granted to sessions "
                + owner
                + " and "
                + h.getSessionId());
      }
      if (expiredAtMillis != null
          && h.getGrantedMillis() >= expiredAtMillis
          && h.getGrantedMillis() < expiredAtMillis + lockDelayMillis) {
        throw new Violation(
            "lock-delay: "
                + path
                + " granted at "
                + h.getGrantedMillis()
                + " to session "
                + h.getSessionId()
                + " though its holder's session expired at "
                + expiredAtMillis
                + " (delay "
                + lockDelayMillis
                + " ms), replica "
                + replica);
      }
    }
    if (exclusive > 1 || (exclusive == 1 && holders.size() > 1)) {
      throw new Violation(
          "mutual exclusion: " + path + " has holders " + holders + " on replica " + replica);
    }
  }

  // ---- what clients see ---------------------------------------------------------------------

  public void ephemeralCreated(long session, String path) {
    ephemerals.put(session, path);
  }

  /** The resource turned a holder away: legitimate only if the holder's lease had run out. */
  public void fenced(long session, String path, long generation, boolean leaseValid) {
    fencedRejections++;
    if (leaseValid) {
      throw new Violation(
          "mutual exclusion: the resource behind "
              + path
              + " refused session "
              + session
              + " (generation "
              + generation
              + ") while its lease was valid: the lock was "
              + "granted to someone else under it");
    }
  }

  private static SessionInfo session(Namespace ns, long id) {
    try {
      return ns.getSession(id);
    } catch (NamespaceException e) {
      return null;
    }
  }

  /** Whether the node exists (an unchecked read of the state, as the checkers make). */
  static boolean exists(Namespace ns, String path) {
    try {
      ns.getStat(path);
      return true;
    } catch (NamespaceException e) {
      return false;
    }
  }

  private static NamespaceCommand decode(Command command) {
    try {
      return NamespaceCommand.parseFrom(command.payload());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new Violation("a replica applied an undecodable command: " + e.getMessage());
    }
  }
}
