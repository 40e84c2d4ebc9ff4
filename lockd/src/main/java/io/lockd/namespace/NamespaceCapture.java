package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.replica.StateMachine;
import java.util.Map;
import java.util.TreeMap;

/**
 * The namespace at one applied index, copied on the replica's thread cheaply enough that the
 * snapshot itself can be encoded on another thread while the loop goes on changing the state
 * (docs/server.md, "Snapshots beside the loop").
 *
 * <p>Nodes, the bulk of a large state, are copied field by field into arrays: a few reference and
 * number copies each, no allocation per node. Their contents ({@link ByteString}) and ACLs are
 * immutable values and are shared, not copied. Sessions and locks hold mutable collections and are
 * far fewer (bounded by {@code --sessions-max}); they are turned into their records at once. After
 * the constructor nothing here refers to a mutable object of the namespace, so {@link #encode} may
 * run on any one thread, any time later, and still writes exactly the state of the capture.
 */
final class NamespaceCapture implements StateMachine.Image {
  private final Snapshot rest;
  private final Node[] nodes;
  private final ByteString[] contents;
  private final Acl[] acls;
  private final long[] contentGenerations;
  private final long[] lockGenerations;
  private final long[] aclGenerations;
  private final long[] mtimes;

  /** Copies {@code state}: runs on the thread that owns it. */
  NamespaceCapture(NamespaceState state) {
    rest = SnapshotCodec.headerAndTables(state);
    int n = state.nodes.size() + 1;
    nodes = new Node[n];
    contents = new ByteString[n];
    acls = new Acl[n];
    contentGenerations = new long[n];
    lockGenerations = new long[n];
    aclGenerations = new long[n];
    mtimes = new long[n];
    int i = 0;
    for (Node node : state.nodes.all()) {
      // path, kind, owner, instance, ctime and lock-delay are final fields of the node
      nodes[i] = node;
      contents[i] = node.contents();
      acls[i] = node.acl();
      contentGenerations[i] = node.contentGeneration();
      lockGenerations[i] = node.lockGeneration();
      aclGenerations[i] = node.aclGeneration();
      mtimes[i] = node.mtimeMillis();
      i++;
    }
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
    SnapshotBlocks out = new SnapshotBlocks();
    // Fields 1 to 8 (the header), then the nodes (9), then locks (10) and sessions (11).
    out.write(rest.toBuilder().clearLocks().clearSessions().build().toByteArray());
    writeNodes(out);
    out.write(
        Snapshot.newBuilder()
            .addAllLocks(rest.getLocksList())
            .addAllSessions(rest.getSessionsList())
            .build()
            .toByteArray());
    return out.toArray();
  }

  /** Nodes come by path, so a node's parent (a directory) is always met before the node. */
  private void writeNodes(SnapshotBlocks out) {
    Map<String, Acl> directoryAcls =
        new TreeMap<>(); // as everywhere in the namespace: no hash order
    for (int i = 0; i < nodes.length; i++) {
      Node node = nodes[i];
      NodeRecord.Builder record =
          NodeRecord.newBuilder()
              .setPath(node.path)
              .setKind(node.kind)
              .setEphemeralOwner(node.ephemeralOwner)
              .setContents(contents[i])
              .setInstance(node.instance)
              .setContentGeneration(contentGenerations[i])
              .setLockGeneration(lockGenerations[i])
              .setAclGeneration(aclGenerations[i])
              .setCtimeMillis(node.ctimeMillis)
              .setMtimeMillis(mtimes[i])
              .setLockDelayMillis(node.lockDelayMillis);
      Acl inherited =
          node.path.equals(NodePath.ROOT)
              ? Acl.OPEN
              : directoryAcls.get(NodePath.parent(node.path));
      if (!acls[i].equals(inherited)) {
        record.setAcl(acls[i].toProto());
      }
      if (node.isDirectory()) {
        directoryAcls.put(node.path, acls[i]);
      }
      out.writeField(Snapshot.NODES_FIELD_NUMBER, record.build());
    }
  }
}
