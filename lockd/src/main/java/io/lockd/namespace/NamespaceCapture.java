package io.lockd.namespace;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.SnapshotSink;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.replica.StateMachine;
import java.util.Map;
import java.util.TreeMap;

/**
 * The namespace at one applied index, copied on the replica's thread so that the snapshot itself
 * can be encoded on another thread while the loop goes on changing the state (docs/server.md,
 * "Snapshots beside the loop").
 *
 * <p>Sessions and locks hold mutable collections and are far fewer than nodes (bounded by {@code
 * --sessions-max}); they are turned into their records at once. Nodes, the bulk of a large state,
 * are copied in steps between the loop's other work ({@link #copyMore}, {@link NodeCapture}), still
 * as they were at the capture. Once the copy is whole nothing here refers to a mutable object of
 * the namespace, so {@link #encode} may run on any one thread, any time later, and still writes
 * exactly the state of the capture.
 */
final class NamespaceCapture implements StateMachine.Image {
  /**
   * Nodes copied per step: about 4 ms of the loop's time at a million nodes on the scale machine,
   * small enough that peers' messages and timers wait no longer than that behind a capture.
   */
  static final int NODES_PER_STEP = 16_384;

  private final Snapshot rest;
  private final NodeCapture copy;

  /**
   * Begins a capture of {@code state}: runs on the thread that owns it, which then calls {@link
   * #copyMore} until the copy is whole.
   */
  NamespaceCapture(NamespaceState state, int nodesPerStep) {
    rest = SnapshotCodec.headerAndTables(state);
    copy = state.nodes.beginCapture(nodesPerStep);
  }

  /** A capture copied whole at once (a backup, a snapshot encoded on the spot). */
  static NamespaceCapture whole(NamespaceState state) {
    NamespaceCapture capture = new NamespaceCapture(state, Integer.MAX_VALUE);
    capture.copyMore();
    return capture;
  }

  @Override
  public boolean copyMore() {
    return copy.copyMore();
  }

  /**
   * The snapshot bytes, as {@link SnapshotCodec} defines them. Runs once, on any thread.
   *
   * <p>The bytes are protobuf's canonical serialization of the whole {@code Snapshot} (fields in
   * number order), as {@code toByteArray} of the built message would give: replicas compare
   * checksums of states across versions. They are written record by record instead of building the
   * message: a message of a million node records is half a gigabyte of objects that all stay alive
   * until its last byte is written, and each young collection meanwhile copied them, which held a
   * leader's threads for most of a second (scale run, 2026-12-07). Each record now dies as soon as
   * it is written, and the output grows in large blocks that the collector never copies.
   */
  @Override
  public byte[] encode() {
    return encodeAfter(new byte[0]).toArray();
  }

  /** The prefix, then the snapshot bytes, written into the same blocks, each handed to the sink. */
  @Override
  public void encodeTo(byte[] prefix, SnapshotSink sink) {
    Invariants.check(copy.whole(), "a capture is encoded once its copy is whole");
    SnapshotBlocks out = new SnapshotBlocks(sink);
    out.write(prefix);
    // Fields 1 to 8 (the header), then the nodes (9), then locks (10) and sessions (11).
    out.write(rest.toBuilder().clearLocks().clearSessions().build().toByteArray());
    writeNodes(out);
    out.write(
        Snapshot.newBuilder()
            .addAllLocks(rest.getLocksList())
            .addAllSessions(rest.getSessionsList())
            .build()
            .toByteArray());
    out.flush();
  }

  /** Nodes come by path, so a node's parent (a directory) is always met before the node. */
  private void writeNodes(SnapshotBlocks out) {
    Map<String, Acl> directoryAcls =
        new TreeMap<>(); // as everywhere in the namespace: no hash order
    for (int i = 0; i < copy.nodes.length; i++) {
      Node node = copy.nodes[i];
      NodeRecord.Builder record =
          NodeRecord.newBuilder()
              .setPath(node.path)
              .setKind(node.kind)
              .setEphemeralOwner(node.ephemeralOwner)
              .setContents(copy.contents[i])
              .setInstance(node.instance)
              .setContentGeneration(copy.contentGenerations[i])
              .setLockGeneration(copy.lockGenerations[i])
              .setAclGeneration(copy.aclGenerations[i])
              .setCtimeMillis(node.ctimeMillis)
              .setMtimeMillis(copy.mtimes[i])
              .setLockDelayMillis(node.lockDelayMillis);
      Acl inherited =
          node.path.equals(NodePath.ROOT)
              ? Acl.OPEN
              : directoryAcls.get(NodePath.parent(node.path));
      if (!copy.acls[i].equals(inherited)) {
        record.setAcl(copy.acls[i].toProto());
      }
      if (node.isDirectory()) {
        directoryAcls.put(node.path, copy.acls[i]);
      }
      out.writeField(Snapshot.NODES_FIELD_NUMBER, record.build());
    }
  }
}
