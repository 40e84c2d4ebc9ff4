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

  /** The snapshot bytes, as {@link SnapshotCodec} defines them. Runs once, on any thread. */
  @Override
  public byte[] encode() {
    Snapshot.Builder out = rest.toBuilder();
    // Nodes come by path, so a node's parent (a directory) is always met before the node.
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
      out.addNodes(record);
    }
    return out.build().toByteArray(); // fields go out in field-number order: nodes first
  }
}
