package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.SetAclOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.Stat;

/**
 * Creating, deleting and writing nodes. Each operation checks everything first and changes state
 * only once nothing can fail, so a refused command leaves the tree as it was.
 *
 * <p>Deleting a node whose lock has holders or waiters is refused (FAILED_PRECONDITION,
 * NODE_LOCKED): silently revoking a lock would leave its holder believing it still holds it. The
 * holders must release first. The one exception is the end of a session, which must delete its
 * ephemeral nodes whoever holds their locks; then the other holders are told (LOCK_LOST), and the
 * node's new instance number makes their sequencers fail any check.
 *
 * <p>Rights ({@link Access}): create needs write on the parent; delete needs write on the node and
 * on its parent (it changes both); setContents needs write on the node; setAcl needs admin on the
 * node. A new node gets its parent's ACL (the same immutable object). The end of a session deletes
 * its ephemeral nodes without a check: that is the cell's doing, not a caller's.
 */
final class NodeOps {
  private final NamespaceState state;
  private final EventRouter events;

  NodeOps(NamespaceState state, EventRouter events) {
    this.state = state;
    this.events = events;
  }

  Stat create(Session session, String identity, CreateNodeOp op) {
    NamespaceLimits limits = state.limits;
    String path = NodePath.validate(op.getPath(), limits);
    if (path.equals(NodePath.ROOT)) {
      throw NamespaceException.alreadyExists("node \"/\" always exists");
    }
    NodeKind kind = op.getKind();
    if (kind != NodeKind.NODE_KIND_FILE && kind != NodeKind.NODE_KIND_DIRECTORY) {
      throw NamespaceException.badArgument("node kind must be FILE or DIRECTORY, was %s", kind);
    }
    ByteString contents = op.getContents();
    if (kind == NodeKind.NODE_KIND_DIRECTORY && !contents.isEmpty()) {
      throw NamespaceException.badArgument(
          "directory %s cannot have contents", NodePath.quote(path));
    }
    checkContentSize(path, contents);
    long lockDelayMillis = lockDelay(op);
    if (state.nodes.find(path) != null) {
      throw NamespaceException.alreadyExists("node %s already exists", NodePath.quote(path));
    }
    Node parent = parentOf(path);
    Access.require(state, parent, identity, Acl.WRITE);
    if (kind == NodeKind.NODE_KIND_FILE) {
      Groups.checkWrite(path, contents);
    }
    if (parent.isEphemeral() && !(op.getEphemeral() && parent.ephemeralOwner == session.id)) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_NOT_ALLOWED,
          "parent %s is ephemeral: its children must be ephemeral nodes of its owner, session %d",
          NodePath.quote(parent.path),
          parent.ephemeralOwner);
    }
    if (parent.children().size() >= limits.maxChildrenPerDirectory()) {
      throw NamespaceException.limitReached(
          "maxChildrenPerDirectory",
          limits.maxChildrenPerDirectory(),
          "directory " + NodePath.quote(parent.path) + " is full");
    }
    if (state.nodes.size() >= limits.maxNodes()) {
      throw NamespaceException.limitReached("maxNodes", limits.maxNodes(), "the namespace is full");
    }
    checkContentTotal(contents.size());

    long owner = op.getEphemeral() ? session.id : 0;
    Node node =
        new Node(
            path,
            kind,
            owner,
            state.nextInstance(),
            state.clockMillis,
            lockDelayMillis,
            contents,
            parent.acl());
    state.nodes.add(node);
    if (owner != 0) {
      session.addEphemeral(path);
    }
    events.nodeCreated(node);
    return node.stat();
  }

  void delete(String identity, DeleteNodeOp op) {
    String path = NodePath.validate(op.getPath(), state.limits);
    if (path.equals(NodePath.ROOT)) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_NOT_ALLOWED, "node \"/\" cannot be deleted");
    }
    Node node = state.nodes.get(path);
    Access.require(state, node, identity, Acl.WRITE);
    Access.require(state, state.nodes.get(NodePath.parent(path)), identity, Acl.WRITE);
    if (op.hasExpectedInstance() && op.getExpectedInstance() != node.instance) {
      throw mismatch(path, "instance", op.getExpectedInstance(), node.instance);
    }
    if (op.hasExpectedContentGeneration()
        && op.getExpectedContentGeneration() != node.contentGeneration()) {
      throw mismatch(
          path, "content generation", op.getExpectedContentGeneration(), node.contentGeneration());
    }
    if (!node.children().isEmpty()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_DIRECTORY_NOT_EMPTY,
          "directory %s has %d children; delete them first",
          NodePath.quote(path),
          node.children().size());
    }
    LockState lock = state.locks.find(path);
    if (lock != null && (!lock.holders().isEmpty() || !lock.waiters().isEmpty())) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_NODE_LOCKED,
          "node %s is locked (%d holder(s), %d waiter(s)); release its lock first",
          NodePath.quote(path),
          lock.holders().size(),
          lock.waiters().size());
    }
    unlink(node);
  }

  Stat setContents(String identity, SetContentsOp op) {
    String path = NodePath.validate(op.getPath(), state.limits);
    ByteString contents = op.getContents();
    checkContentSize(path, contents);
    Node node = state.nodes.get(path);
    Access.require(state, node, identity, Acl.WRITE);
    if (node.isDirectory()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "node %s is a directory and has no contents",
          NodePath.quote(path));
    }
    if (op.hasExpectedContentGeneration()
        && op.getExpectedContentGeneration() != node.contentGeneration()) {
      throw mismatch(
          path, "content generation", op.getExpectedContentGeneration(), node.contentGeneration());
    }
    Groups.checkWrite(path, contents);
    checkContentTotal((long) contents.size() - node.contents().size());
    state.nodes.setContents(node, contents, state.clockMillis);
    events.contentsChanged(node);
    return node.stat();
  }

  /** Replaces a node's ACL; its children keep theirs (they got a copy at their creation). */
  Stat setAcl(String identity, SetAclOp op) {
    String path = NodePath.validate(op.getPath(), state.limits);
    Node node = state.nodes.get(path);
    Access.require(state, node, identity, Acl.ADMIN);
    Acl acl = Acl.fromProto(op.getAcl());
    if (op.hasExpectedAclGeneration() && op.getExpectedAclGeneration() != node.aclGeneration()) {
      throw mismatch(path, "ACL generation", op.getExpectedAclGeneration(), node.aclGeneration());
    }
    state.nodes.setAcl(node, acl);
    events.aclChanged(node);
    return node.stat();
  }

  /** Removes a childless node whose lock has no holders or waiters left, and tells watchers. */
  void unlink(Node node) {
    state.nodes.remove(node);
    if (node.isEphemeral()) {
      state.sessions.get(node.ephemeralOwner).removeEphemeral(node.path);
    }
    events.nodeDeleted(node);
  }

  private Node parentOf(String path) {
    String parentPath = NodePath.parent(path);
    Node parent = state.nodes.find(parentPath);
    if (parent == null) {
      throw NamespaceException.notFound(
          ErrorReason.ERROR_REASON_PARENT_NOT_FOUND,
          "cannot create %s: parent %s does not exist",
          NodePath.quote(path),
          NodePath.quote(parentPath));
    }
    if (!parent.isDirectory()) {
      throw NamespaceException.failedPrecondition(
          ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "cannot create %s: parent %s is a file",
          NodePath.quote(path),
          NodePath.quote(parentPath));
    }
    return parent;
  }

  private long lockDelay(CreateNodeOp op) {
    if (!op.hasLockDelayMillis()) {
      return state.limits.lockDelayDefaultMillis();
    }
    long delay = op.getLockDelayMillis();
    if (delay < 0 || delay > state.limits.maxLockDelayMillis()) {
      throw NamespaceException.badArgument(
          "lock_delay_millis=%s exceeds limit maxLockDelayMillis=%d",
          Long.toUnsignedString(delay), state.limits.maxLockDelayMillis());
    }
    return delay;
  }

  private void checkContentSize(String path, ByteString contents) {
    if (contents.size() > state.limits.maxContentBytes()) {
      throw NamespaceException.invalid(
          ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
          "contents for %s are %d bytes; limit maxContentBytes=%d",
          NodePath.quote(path),
          contents.size(),
          state.limits.maxContentBytes());
    }
  }

  private void checkContentTotal(long growthBytes) {
    long max = state.limits.maxTotalContentBytes();
    if (growthBytes > 0 && state.nodes.contentBytes() + growthBytes > max) {
      throw NamespaceException.limitReached(
          "maxTotalContentBytes", max, "the namespace's contents are too large");
    }
  }

  private static NamespaceException mismatch(String path, String what, long expected, long actual) {
    return NamespaceException.failedPrecondition(
        ErrorReason.ERROR_REASON_GENERATION_MISMATCH,
        "node %s has %s %d, not the expected %s",
        NodePath.quote(path),
        what,
        actual,
        Long.toUnsignedString(expected));
  }
}
