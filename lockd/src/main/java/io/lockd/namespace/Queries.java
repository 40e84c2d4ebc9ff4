package io.lockd.namespace;

import io.lockd.proto.v1.CheckSequencerResponse;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.GetAclResponse;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.GetStatResponse;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.SessionInfo;
import java.util.List;

/**
 * The reads the server serves from the applied state without the log (under the leader's lease).
 * They change nothing and answer in the client API's own messages, stamped with the index the state
 * reflects.
 */
final class Queries {
  private Queries() {}

  static GetStatResponse stat(NamespaceState state, String path) {
    Node node = node(state, path);
    return GetStatResponse.newBuilder().setStat(node.stat()).setIndex(state.appliedIndex).build();
  }

  /** A directory reads as empty contents. */
  static GetContentsAndStatResponse contents(NamespaceState state, String path) {
    Node node = node(state, path);
    return GetContentsAndStatResponse.newBuilder()
        .setContents(node.contents())
        .setStat(node.stat())
        .setIndex(state.appliedIndex)
        .build();
  }

  static ListChildrenResponse children(NamespaceState state, String path) {
    Node node = directory(state, path);
    return ListChildrenResponse.newBuilder()
        .addAllNames(node.children())
        .setStat(node.stat())
        .setIndex(state.appliedIndex)
        .build();
  }

  static GetLockInfoResponse lockInfo(NamespaceState state, String path) {
    Node node = node(state, path);
    LockInfo.Builder info = lockHeader(state, node);
    LockState lock = state.locks.find(node.path);
    if (lock != null) {
      for (Holder h : lock.holders()) {
        info.addHolders(holder(state, h));
      }
      for (Waiter w : lock.waiters()) {
        info.addWaiters(waiter(state, w));
      }
    }
    return GetLockInfoResponse.newBuilder().setLock(info).setIndex(state.appliedIndex).build();
  }

  /** A lock's description without its holders and waiters. */
  static LockInfo.Builder lockHeader(NamespaceState state, Node node) {
    LockInfo.Builder info =
        LockInfo.newBuilder()
            .setPath(node.path)
            .setInstance(node.instance)
            .setLockGeneration(node.lockGeneration())
            .setLockDelayMillis(node.lockDelayMillis);
    LockState lock = state.locks.find(node.path);
    if (lock != null) {
      info.setMode(lock.mode());
      long until = lock.delayUntilMillis();
      if (until > state.clockMillis) {
        info.setLockDelayUntilMillis(until).setLockDelayRemainingMillis(until - state.clockMillis);
      }
    }
    return info;
  }

  static LockHolder holder(NamespaceState state, Holder h) {
    return LockHolder.newBuilder()
        .setSessionId(h.sessionId())
        .setClientName(clientName(state, h.sessionId()))
        .setMode(h.mode())
        .setLockGeneration(h.generation())
        .setGrantedMillis(h.grantedMillis())
        .build();
  }

  static LockWaiter waiter(NamespaceState state, Waiter w) {
    return LockWaiter.newBuilder()
        .setSessionId(w.sessionId())
        .setClientName(clientName(state, w.sessionId()))
        .setMode(w.mode())
        .setEnqueuedMillis(w.enqueuedMillis())
        .setDeadlineMillis(w.deadlineMillis())
        .build();
  }

  /**
   * OK only if the sequencer's session holds the lock now, in the sequencer's mode, by the grant of
   * its generation, on the same instance of the node; FAILED_PRECONDITION (SEQUENCER_INVALID)
   * saying which part failed otherwise.
   */
  static CheckSequencerResponse checkSequencer(NamespaceState state, Sequencer sequencer) {
    String path = NodePath.validateSpelling(sequencer.getPath(), state.limits);
    LockOps.requireMode(sequencer.getMode());
    Node node = state.nodes.find(path);
    if (node == null) {
      throw invalidSequencer(path, "the node no longer exists");
    }
    if (node.instance != sequencer.getInstance()) {
      throw invalidSequencer(
          path,
          "it names instance "
              + sequencer.getInstance()
              + " but the node is instance "
              + node.instance);
    }
    LockState lock = state.locks.find(path);
    Holder holder = lock == null ? null : lock.holder(sequencer.getSessionId());
    if (holder == null || holder.generation() != sequencer.getLockGeneration()) {
      throw invalidSequencer(
          path,
          "session "
              + sequencer.getSessionId()
              + " does not hold generation "
              + sequencer.getLockGeneration()
              + " (latest grant: "
              + node.lockGeneration()
              + ")");
    }
    if (holder.mode() != sequencer.getMode()) {
      throw invalidSequencer(
          path, "it names mode " + sequencer.getMode() + " but the holder has " + holder.mode());
    }
    return CheckSequencerResponse.newBuilder().setIndex(state.appliedIndex).build();
  }

  static ListSessionsResponse sessions(NamespaceState state) {
    ListSessionsResponse.Builder out =
        ListSessionsResponse.newBuilder().setIndex(state.appliedIndex);
    for (Session s : state.sessions.all()) {
      out.addSessions(whole(s));
    }
    return out.build();
  }

  static SessionInfo session(NamespaceState state, long sessionId) {
    return whole(state.sessions.get(sessionId));
  }

  static List<Event> eventsSince(NamespaceState state, long sessionId, long lastSeenIndex) {
    return state.sessions.get(sessionId).events.since(lastSeenIndex);
  }

  /** A session's description with the paths of all its locks. */
  private static SessionInfo whole(Session s) {
    return info(s).addAllHeldLocks(s.heldLocks()).addAllWaitingLocks(s.waitingLocks()).build();
  }

  /** A session's description without the paths of its locks. */
  static SessionInfo.Builder info(Session s) {
    return SessionInfo.newBuilder()
        .setSessionId(s.id)
        .setClientName(s.clientName)
        .setCreator(s.creator)
        .setLeaseMillis(s.leaseMillis)
        .setCreatedMillis(s.createdMillis)
        .setLoggedDeadlineMillis(s.loggedDeadlineMillis())
        .setLastSequence(s.lastSequence())
        .setEphemeralNodes(s.ephemerals().size())
        .setHeldLockCount(s.heldLocks().size())
        .setWaitingLockCount(s.waitingLocks().size())
        .setWatches(s.watches().size())
        .setBufferedEvents(s.events.size())
        .setCaching(s.caching);
  }

  /** A node's ACL and stat. */
  static GetAclResponse acl(NamespaceState state, String path) {
    Node node = node(state, path);
    return GetAclResponse.newBuilder()
        .setAcl(node.acl().toProto())
        .setStat(node.stat())
        .setIndex(state.appliedIndex)
        .build();
  }

  /**
   * Refuses (PERMISSION_DENIED) a read of {@code path} by {@code identity} without the read right;
   * a node that does not exist is left for the read itself to refuse (NOT_FOUND).
   */
  static void requireRead(NamespaceState state, String identity, String path) {
    Node node = state.nodes.find(path);
    if (node != null) {
      Access.require(state, node, identity, Acl.READ);
    }
  }

  /** The node a client names; its path must be in NFC ({@link NodePath#validateSpelling}). */
  static Node node(NamespaceState state, String path) {
    return state.nodes.get(NodePath.validateSpelling(path, state.limits));
  }

  static Node directory(NamespaceState state, String path) {
    Node node = node(state, path);
    if (!node.isDirectory()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "node %s is a file and has no children",
          NodePath.quote(path));
    }
    return node;
  }

  private static String clientName(NamespaceState state, long sessionId) {
    return state.sessions.get(sessionId).clientName;
  }

  private static NamespaceException invalidSequencer(String path, String why) {
    return NamespaceException.failedPrecondition(
        ErrorReason.ERROR_REASON_SEQUENCER_INVALID,
        "sequencer for %s is not valid: %s",
        NodePath.quote(path),
        why);
  }
}
