package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.invariant.Invariants;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Every node of a {@link NodeTree} as it was at one moment, copied a step at a time while the tree
 * goes on changing between the steps: a copy of a million nodes in one go held every replica's loop
 * for 240–300 ms at the same slot (the state checksum is taken at the same index everywhere), and
 * cost a leader its lease in a scale run (2026-12-07).
 *
 * <p>The copy walks the paths in order. Until the walk has passed a path, the tree tells this
 * capture before it changes the node there ({@link #beforeChange}), and the capture keeps the
 * node's fields as they were, or the mark that there was no node, so that a node created after the
 * moment is left out and a node deleted after it is still written. Changes behind the walk need
 * nothing: that part is copied already. A node's fields are copied into arrays (a few copies each,
 * no allocation per node); its contents and ACL are immutable values, shared.
 */
final class NodeCapture {
  /** Kept for a path that had no node at the moment of the capture. */
  private static final Before ABSENT = new Before(null, null, null, 0, 0, 0, 0);

  private final NavigableMap<String, Node> live;
  private final NavigableMap<String, Before> before = new TreeMap<>();
  private final int nodesPerStep;
  private String walked; // the last path copied; null before the first step
  private boolean whole;
  private int count;

  final Node[] nodes;
  final ByteString[] contents;
  final Acl[] acls;
  final long[] contentGenerations;
  final long[] lockGenerations;
  final long[] aclGenerations;
  final long[] mtimes;

  /** A node's changeable fields at the moment of the capture (the rest are final in the node). */
  private record Before(
      Node node,
      ByteString contents,
      Acl acl,
      long contentGeneration,
      long lockGeneration,
      long aclGeneration,
      long mtimeMillis) {
    static Before of(Node n) {
      return new Before(
          n,
          n.contents(),
          n.acl(),
          n.contentGeneration(),
          n.lockGeneration(),
          n.aclGeneration(),
          n.mtimeMillis());
    }
  }

  /** Begins a capture of {@code live}, which holds {@code size} nodes now. */
  NodeCapture(NavigableMap<String, Node> live, int size, int nodesPerStep) {
    Invariants.check(nodesPerStep > 0, "a step copies at least one node");
    this.live = live;
    this.nodesPerStep = nodesPerStep;
    nodes = new Node[size];
    contents = new ByteString[size];
    acls = new Acl[size];
    contentGenerations = new long[size];
    lockGenerations = new long[size];
    aclGenerations = new long[size];
    mtimes = new long[size];
  }

  /** Whether every node is copied: the arrays then hold the whole moment. */
  boolean whole() {
    return whole;
  }

  /**
   * The tree is about to create, change or delete the node at {@code path} ({@code current} is the
   * node there now, null if none): keep what the moment had there, unless copied already.
   */
  void beforeChange(String path, Node current) {
    if (whole || (walked != null && path.compareTo(walked) <= 0) || before.containsKey(path)) {
      return; // copied already, or its state at the moment kept already
    }
    before.put(path, current == null ? ABSENT : Before.of(current));
  }

  /**
   * Copies up to the step's number of nodes, in path order, and returns whether the copy is now
   * whole. Runs on the thread that owns the tree, between its changes.
   */
  boolean copyMore() {
    if (whole) {
      return true;
    }
    Iterator<Map.Entry<String, Node>> now = after(live).entrySet().iterator();
    Iterator<Map.Entry<String, Before>> then = after(before).entrySet().iterator();
    Map.Entry<String, Node> n = next(now);
    Map.Entry<String, Before> b = next(then);
    for (int copied = 0; copied < nodesPerStep && (n != null || b != null); copied++) {
      int order = n == null ? 1 : b == null ? -1 : n.getKey().compareTo(b.getKey());
      if (order < 0) { // unchanged since the moment
        Node node = n.getValue();
        add(
            node,
            node.contents(),
            node.acl(),
            node.contentGeneration(),
            node.lockGeneration(),
            node.aclGeneration(),
            node.mtimeMillis());
        walked = n.getKey();
        n = next(now);
      } else { // changed, created or deleted since: the kept fields are the moment's
        Before kept = b.getValue();
        if (kept != ABSENT) {
          add(
              kept.node,
              kept.contents,
              kept.acl,
              kept.contentGeneration,
              kept.lockGeneration,
              kept.aclGeneration,
              kept.mtimeMillis);
        }
        walked = b.getKey();
        b = next(then);
        if (order == 0) {
          n = next(now);
        }
      }
    }
    if (n == null && b == null) {
      Invariants.check(
          count == nodes.length, "captured %d nodes of the %d there were", count, nodes.length);
      whole = true;
      before.clear();
    } else {
      before.headMap(walked, true).clear(); // behind the walk: no longer needed
    }
    return whole;
  }

  private <V> NavigableMap<String, V> after(NavigableMap<String, V> map) {
    return walked == null ? map : map.tailMap(walked, false);
  }

  private static <E> E next(Iterator<E> it) {
    return it.hasNext() ? it.next() : null;
  }

  private void add(
      Node node,
      ByteString contents,
      Acl acl,
      long contentGeneration,
      long lockGeneration,
      long aclGeneration,
      long mtimeMillis) {
    Invariants.check(count < nodes.length, "more nodes than there were at the capture");
    int i = count++;
    this.nodes[i] = node;
    this.contents[i] = contents;
    this.acls[i] = acl;
    this.contentGenerations[i] = contentGeneration;
    this.lockGenerations[i] = lockGeneration;
    this.aclGenerations[i] = aclGeneration;
    this.mtimes[i] = mtimeMillis;
  }
}
