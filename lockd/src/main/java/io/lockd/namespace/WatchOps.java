package io.lockd.namespace;

import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.WatchKind;

/**
 * Watches as replicated subscriptions: they are in the log and the snapshot, so they survive a
 * change of leader and events reach the client in log order without loss. A watch is on a path, not
 * on one instance of a node: it outlives deletion and sees the next creation. Both operations are
 * idempotent.
 */
final class WatchOps {
  private final NamespaceState state;

  WatchOps(NamespaceState state) {
    this.state = state;
  }

  /**
   * Needs read on the node, or, for a path that does not exist, on the nearest existing ancestor
   * (whose ACL the node would inherit). Checked when the watch is set, not for each later event.
   */
  void watch(Session session, String identity, WatchOp op) {
    WatchKey key = key(op.getPath(), op.getKind());
    Access.requireAt(state, key.path(), identity, Acl.READ);
    if (session.watches().contains(key)) {
      return;
    }
    Node node = state.nodes.find(key.path());
    if (key.kind() == WatchKind.WATCH_KIND_CHILDREN && node != null && !node.isDirectory()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "node %s is a file and has no children to watch",
          NodePath.quote(key.path()));
    }
    int max = state.limits.maxWatchesPerSession();
    if (session.watches().size() >= max) {
      throw NamespaceException.limitReached(
          "maxWatchesPerSession", max, "session " + session.id + " has too many watches");
    }
    state.watches.add(session, key);
  }

  void unwatch(Session session, UnwatchOp op) {
    state.watches.remove(session, key(op.getPath(), op.getKind()));
  }

  private WatchKey key(String path, WatchKind kind) {
    String valid = NodePath.validate(path, state.limits);
    if (kind != WatchKind.WATCH_KIND_CONTENTS
        && kind != WatchKind.WATCH_KIND_CHILDREN
        && kind != WatchKind.WATCH_KIND_LOCK) {
      throw NamespaceException.badArgument(
          "watch kind must be CONTENTS, CHILDREN or LOCK, was %s", kind);
    }
    return new WatchKey(valid, kind);
  }
}
