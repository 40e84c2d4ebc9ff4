package io.lockd.namespace;

import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.v1.ErrorReason;
import java.util.Locale;

/**
 * The ACL checks every operation makes, before it changes anything: commands at apply, with the
 * identity the leader put in the command (so every replica decides alike), and reads on the replica
 * that serves them, against the state they read.
 */
final class Access {
  private Access() {}

  /** Refuses (PERMISSION_DENIED, naming the node and the right) unless the ACL grants it. */
  static void require(NamespaceState state, Node node, String identity, int right) {
    if (!node.acl().allows(identity, right, state)) {
      throw denied(
          "%s lacks the %s right on node %s",
          who(identity), Acl.name(right), NodePath.quote(node.path));
    }
  }

  /**
   * For a path that may not exist (a watch): the node's ACL, or else its nearest existing
   * ancestor's, which is the ACL the node would inherit.
   */
  static void requireAt(NamespaceState state, String path, String identity, int right) {
    String at = path;
    Node node = state.nodes.find(at);
    while (node == null) {
      at = NodePath.parent(at);
      node = state.nodes.find(at);
    }
    if (!node.acl().allows(identity, right, state)) {
      throw denied(
          "%s lacks the %s right on node %s%s",
          who(identity),
          Acl.name(right),
          NodePath.quote(node.path),
          at.equals(path)
              ? ""
              : " (" + NodePath.quote(path) + " does not exist; it would inherit)");
    }
  }

  /** Refuses a command for a session from anyone but the identity that created it. */
  static void requireCreator(Session session, String identity) {
    if (!session.creator.equals(identity)) {
      throw denied(
          "session %d belongs to %s, not to %s", session.id, who(session.creator), who(identity));
    }
  }

  static String who(String identity) {
    return identity.isEmpty() ? "the anonymous caller" : "identity " + NodePath.quote(identity);
  }

  private static NamespaceException denied(String format, Object... args) {
    return new NamespaceException(
        ErrorCode.ERROR_CODE_PERMISSION_DENIED,
        ErrorReason.ERROR_REASON_PERMISSION_DENIED,
        String.format(Locale.ROOT, format, args));
  }
}
