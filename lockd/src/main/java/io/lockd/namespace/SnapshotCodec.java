package io.lockd.namespace;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.lockd.invariant.Invariants;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.proto.ns.v1.HolderRecord;
import io.lockd.proto.ns.v1.LimitsRecord;
import io.lockd.proto.ns.v1.LockRecord;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.SessionRecord;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.ns.v1.WaiterRecord;
import io.lockd.proto.ns.v1.WatchRecord;
import java.io.IOException;

/**
 * Writes the state as a {@link Snapshot} and rebuilds it from one. Only the primary data goes in,
 * each list in a defined order (nodes and locks by path, sessions by id, holders by session,
 * waiters in queue order, watches by path and kind, events oldest first); everything derived
 * (children, content total, sessions' own sets, the watch index, timers) is rebuilt on restore. So
 * snapshot, restore, snapshot gives the same bytes, and replicas in the same state write the same
 * bytes.
 *
 * <p>Restore checks the data as it rebuilds (sorted, parents present, holders and owners are live
 * sessions) and fails with an {@link IllegalStateException} rather than load a damaged state.
 */
final class SnapshotCodec {
  static final int FORMAT_VERSION = 3;

  /** How much of a snapshot the decoder reads at a time. */
  private static final int READ_BUFFER_BYTES = 1 << 16;

  /** Before ACLs and session creators (every node open, every session anonymous): still read. */
  static final int FORMAT_VERSION_2 = 2;

  /** Before the sequence window and request fingerprints: still read, never written. */
  static final int FORMAT_VERSION_1 = 1;

  private SnapshotCodec() {}

  static byte[] write(NamespaceState state) {
    return NamespaceCapture.whole(state).encode();
  }

  /**
   * Everything but the nodes: the counters, the locks and the sessions, as records. {@link
   * NamespaceCapture} adds the nodes, possibly on another thread.
   */
  static Snapshot headerAndTables(NamespaceState state) {
    Snapshot.Builder out =
        Snapshot.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .setLimits(state.limits.toRecord())
            .setAppliedIndex(state.appliedIndex)
            .setLastSlot(state.lastSlot)
            .setClockMillis(state.clockMillis)
            .setLastInstance(state.lastInstance)
            .setLastSessionId(state.lastSessionId)
            .setLastLockGeneration(state.lastLockGeneration);
    for (LockState lock : state.locks.all()) {
      out.addLocks(lockRecord(lock));
    }
    for (Session s : state.sessions.all()) {
      out.addSessions(sessionRecord(s));
    }
    return out.build();
  }

  /**
   * The limits {@code bytes} was taken under (a format-1 snapshot: with the default window). Reads
   * only the header fields; the nodes and tables are skipped, not decoded.
   */
  static NamespaceLimits limitsOf(SnapshotBytes bytes) {
    try {
      CodedInputStream in = input(bytes);
      Snapshot.Builder header = Snapshot.newBuilder();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == Snapshot.FORMAT_VERSION_FIELD_NUMBER) {
          header.setFormatVersion(in.readUInt32());
        } else if (field == Snapshot.LIMITS_FIELD_NUMBER) {
          header.mergeLimits(LimitsRecord.parseFrom(in.readBytes()));
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      Snapshot snap = header.build();
      return NamespaceLimits.fromRecord(limitsOf(snap, NamespaceLimits.builder().build()));
    } catch (IOException e) {
      throw new IllegalStateException("snapshot does not parse: " + e.getMessage(), e);
    }
  }

  /** A protobuf reader of {@code bytes}, a block at a time, with no limit below their size. */
  private static CodedInputStream input(SnapshotBytes bytes) {
    CodedInputStream in = CodedInputStream.newInstance(bytes.open(), READ_BUFFER_BYTES);
    in.setSizeLimit(Integer.MAX_VALUE);
    return in;
  }

  /** The ACL a node at {@code path} has unless its record says otherwise: its parent's. */
  private static Acl inheritedAcl(NamespaceState state, String path) {
    return path.equals(NodePath.ROOT) ? Acl.OPEN : state.nodes.get(NodePath.parent(path)).acl();
  }

  private static Acl aclOf(NodeRecord r, NamespaceState state, String path) {
    if (!r.hasAcl()) {
      return inheritedAcl(state, path);
    }
    try {
      return Acl.fromProto(r.getAcl());
    } catch (NamespaceException e) {
      throw new IllegalStateException("node " + path + " has a bad ACL: " + e.getMessage(), e);
    }
  }

  /**
   * The state {@code bytes} holds, read as a stream: the bytes may be a file of a gigabyte, and
   * only the message they decode to (whose contents the state keeps) is ever in memory.
   */
  static NamespaceState read(SnapshotBytes bytes, NamespaceLimits limits) {
    Snapshot snap;
    try {
      CodedInputStream in = input(bytes);
      snap = Snapshot.parseFrom(in);
      in.checkLastTagWas(0);
    } catch (IOException e) {
      throw new IllegalStateException("snapshot does not parse: " + e.getMessage(), e);
    }
    Invariants.check(
        snap.getFormatVersion() == FORMAT_VERSION
            || snap.getFormatVersion() == FORMAT_VERSION_2
            || snap.getFormatVersion() == FORMAT_VERSION_1,
        "snapshot format %d is none of %d, %d and %d",
        snap.getFormatVersion(),
        FORMAT_VERSION,
        FORMAT_VERSION_2,
        FORMAT_VERSION_1);
    NamespaceLimits taken = NamespaceLimits.fromRecord(limitsOf(snap, limits));
    Invariants.check(
        taken.equals(limits), "snapshot was taken under other limits: %s, not %s", taken, limits);
    Invariants.check(
        snap.getNodesCount() > 0 && snap.getNodes(0).getPath().equals(NodePath.ROOT),
        "snapshot must start with the root");

    NodeRecord root = snap.getNodes(0);
    NamespaceState state = new NamespaceState(limits, root.getInstance());
    state.appliedIndex = snap.getAppliedIndex();
    state.lastSlot = snap.getLastSlot();
    state.clockMillis = snap.getClockMillis();
    state.lastInstance = snap.getLastInstance();
    state.lastSessionId = snap.getLastSessionId();
    state.lastLockGeneration = snap.getLastLockGeneration();
    Node rootNode = state.nodes.get(NodePath.ROOT);
    rootNode.restoreCounters(
        root.getContentGeneration(),
        root.getLockGeneration(),
        root.getAclGeneration(),
        root.getMtimeMillis());
    rootNode.restoreAcl(aclOf(root, state, NodePath.ROOT));

    readSessions(snap, state);
    readNodes(snap, state);
    readWatches(snap, state);
    readLocks(snap, state);
    return state;
  }

  /**
   * The limits a snapshot was taken under. Format 1 had no sequence window: its state is valid
   * under any, so it counts as taken under the configured one.
   */
  private static LimitsRecord limitsOf(Snapshot snap, NamespaceLimits configured) {
    if (snap.getFormatVersion() != FORMAT_VERSION_1) {
      return snap.getLimits();
    }
    return snap.getLimits().toBuilder().setSequenceWindow(configured.sequenceWindow()).build();
  }

  private static void readSessions(Snapshot snap, NamespaceState state) {
    long previous = 0;
    for (SessionRecord r : snap.getSessionsList()) {
      Invariants.check(
          r.getSessionId() > previous && r.getSessionId() <= state.lastSessionId,
          "session %d out of order",
          r.getSessionId());
      previous = r.getSessionId();
      Session s =
          new Session(
              r.getSessionId(),
              r.getClientName(),
              r.getCreator(),
              r.getLeaseMillis(),
              r.getCreatedMillis(),
              r.getLoggedDeadlineMillis(),
              r.getCaching());
      s.remember(r.getLastSequence(), r.getLastRequestFingerprint(), r.getLastResult());
      s.events.restore(r.getEventsList(), r.getDroppedThroughIndex());
      state.sessions.add(s);
    }
  }

  private static void readNodes(Snapshot snap, NamespaceState state) {
    String previous = NodePath.ROOT;
    for (NodeRecord r : snap.getNodesList().subList(1, snap.getNodesCount())) {
      String path = NodePath.validateStored(r.getPath(), state.limits);
      Invariants.check(path.compareTo(previous) > 0, "node %s out of order", path);
      Invariants.check(
          r.getInstance() <= state.lastInstance, "node %s has a future instance", path);
      previous = path;
      Node n =
          new Node(
              path,
              r.getKind(),
              r.getEphemeralOwner(),
              r.getInstance(),
              r.getCtimeMillis(),
              r.getLockDelayMillis(),
              r.getContents(),
              aclOf(r, state, path));
      n.restoreCounters(
          r.getContentGeneration(),
          r.getLockGeneration(),
          r.getAclGeneration(),
          r.getMtimeMillis());
      state.nodes.add(n);
      if (n.isEphemeral()) {
        Session owner = state.sessions.find(n.ephemeralOwner);
        Invariants.check(owner != null, "ephemeral node %s has no live owner", path);
        owner.addEphemeral(path);
      }
    }
  }

  private static void readWatches(Snapshot snap, NamespaceState state) {
    for (SessionRecord r : snap.getSessionsList()) {
      Session s = state.sessions.find(r.getSessionId());
      for (WatchRecord w : r.getWatchesList()) {
        state.watches.add(s, new WatchKey(w.getPath(), w.getKind()));
      }
    }
  }

  private static void readLocks(Snapshot snap, NamespaceState state) {
    String previous = "";
    for (LockRecord r : snap.getLocksList()) {
      Invariants.check(r.getPath().compareTo(previous) > 0, "lock %s out of order", r.getPath());
      previous = r.getPath();
      LockState lock = state.locks.getOrCreate(r.getPath());
      for (HolderRecord h : r.getHoldersList()) {
        Invariants.check(
            state.nodes.find(r.getPath()) != null, "lock %s held on a missing node", r.getPath());
        Holder holder =
            new Holder(h.getSessionId(), h.getMode(), h.getLockGeneration(), h.getGrantedMillis());
        state.locks.addHolder(lock, state.sessions.get(h.getSessionId()), holder);
      }
      for (WaiterRecord w : r.getWaitersList()) {
        Invariants.check(
            state.nodes.find(r.getPath()) != null,
            "lock %s awaited on a missing node",
            r.getPath());
        Waiter waiter =
            new Waiter(
                w.getSessionId(),
                w.getMode(),
                w.getEnqueuedMillis(),
                w.getDeadlineMillis(),
                w.getRequestSequence());
        state.locks.addWaiter(lock, state.sessions.get(w.getSessionId()), waiter);
      }
      if (r.getDelayUntilMillis() != 0) {
        state.locks.extendDelay(lock, r.getDelayUntilMillis());
      }
      Invariants.check(!lock.isEmpty(), "lock %s is empty", r.getPath());
    }
  }

  private static LockRecord lockRecord(LockState lock) {
    LockRecord.Builder r =
        LockRecord.newBuilder().setPath(lock.path).setDelayUntilMillis(lock.delayUntilMillis());
    for (Holder h : lock.holders()) {
      r.addHolders(
          HolderRecord.newBuilder()
              .setSessionId(h.sessionId())
              .setMode(h.mode())
              .setLockGeneration(h.generation())
              .setGrantedMillis(h.grantedMillis()));
    }
    for (Waiter w : lock.waiters()) {
      r.addWaiters(
          WaiterRecord.newBuilder()
              .setSessionId(w.sessionId())
              .setMode(w.mode())
              .setEnqueuedMillis(w.enqueuedMillis())
              .setDeadlineMillis(w.deadlineMillis())
              .setRequestSequence(w.requestSequence()));
    }
    return r.build();
  }

  private static SessionRecord sessionRecord(Session s) {
    SessionRecord.Builder r =
        SessionRecord.newBuilder()
            .setSessionId(s.id)
            .setClientName(s.clientName)
            .setCreator(s.creator)
            .setLeaseMillis(s.leaseMillis)
            .setCreatedMillis(s.createdMillis)
            .setLoggedDeadlineMillis(s.loggedDeadlineMillis())
            .setLastSequence(s.lastSequence())
            .setLastRequestFingerprint(s.lastFingerprint())
            .setLastResult(s.lastResult())
            .addAllEvents(s.events.all())
            .setDroppedThroughIndex(s.events.droppedThroughIndex())
            .setCaching(s.caching);
    for (WatchKey k : s.watches()) {
      r.addWatches(WatchRecord.newBuilder().setPath(k.path()).setKind(k.kind()));
    }
    return r.build();
  }
}
