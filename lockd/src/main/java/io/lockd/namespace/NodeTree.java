package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.invariant.Invariants;
import io.lockd.proto.v1.NodeKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * The nodes by path, with the totals the limits are checked against. It only links and unlinks
 * nodes; whether a change is allowed is decided by the operations before they call it.
 */
final class NodeTree {
  private final TreeMap<String, Node> nodes = new TreeMap<>();
  private long contentBytes;

  /** Captures still copying ({@link NodeCapture}): told before every change of a node. */
  private final List<NodeCapture> capturing = new ArrayList<>();

  /** A tree with only the root, created at leader time 0 with instance {@code rootInstance}. */
  NodeTree(long rootInstance) {
    nodes.put(
        NodePath.ROOT,
        new Node(
            NodePath.ROOT,
            NodeKind.NODE_KIND_DIRECTORY,
            0,
            rootInstance,
            0,
            0,
            ByteString.EMPTY,
            Acl.OPEN));
  }

  /** The node at {@code path}, or null. */
  Node find(String path) {
    return nodes.get(path);
  }

  /** The node at {@code path}, or NOT_FOUND. */
  Node get(String path) {
    Node node = nodes.get(path);
    if (node == null) {
      throw NamespaceException.nodeNotFound(path);
    }
    return node;
  }

  /** Number of nodes, the root not counted. */
  int size() {
    return nodes.size() - 1;
  }

  /** Sum of the contents of all files. */
  long contentBytes() {
    return contentBytes;
  }

  /** Every node, ascending by path (the root first). */
  Collection<Node> all() {
    return Collections.unmodifiableCollection(nodes.values());
  }

  /**
   * Begins a copy of every node as it is now, to be completed in steps of {@code nodesPerStep}
   * nodes between later changes ({@link NodeCapture#copyMore}).
   */
  NodeCapture beginCapture(int nodesPerStep) {
    capturing.removeIf(NodeCapture::whole);
    NodeCapture capture = new NodeCapture(nodes, nodes.size(), nodesPerStep);
    capturing.add(capture);
    return capture;
  }

  /** Links a new node under its existing parent directory. */
  void add(Node node) {
    changing(node.path, null);
    Node parent = nodes.get(NodePath.parent(node.path));
    Invariants.check(
        parent != null && parent.isDirectory(), "parent of %s must be a directory", node.path);
    Invariants.check(
        nodes.putIfAbsent(node.path, node) == null, "node %s exists already", node.path);
    parent.addChild(NodePath.name(node.path));
    contentBytes += node.contents().size();
  }

  /** Unlinks a childless node other than the root. */
  void remove(Node node) {
    Invariants.check(!node.path.equals(NodePath.ROOT), "the root cannot be removed");
    Invariants.check(node.children().isEmpty(), "node %s still has children", node.path);
    changing(node.path, node);
    Invariants.check(nodes.remove(node.path) == node, "node %s is not in the tree", node.path);
    nodes.get(NodePath.parent(node.path)).removeChild(NodePath.name(node.path));
    contentBytes -= node.contents().size();
  }

  /** Replaces a file's contents, keeping the content total right. */
  void setContents(Node node, ByteString contents, long nowMillis) {
    changing(node.path, node);
    contentBytes += contents.size() - node.contents().size();
    node.setContents(contents, nowMillis);
  }

  /** Replaces a node's ACL (its generation grows). */
  void setAcl(Node node, Acl acl) {
    changing(node.path, node);
    node.setAcl(acl);
  }

  /** Records the generation of the node's lock's newest grant. */
  void setLockGeneration(Node node, long generation) {
    changing(node.path, node);
    node.setLockGeneration(generation);
  }

  private void changing(String path, Node current) {
    if (capturing.isEmpty()) {
      return;
    }
    capturing.removeIf(NodeCapture::whole);
    for (NodeCapture c : capturing) {
      c.beforeChange(path, current);
    }
  }
}
