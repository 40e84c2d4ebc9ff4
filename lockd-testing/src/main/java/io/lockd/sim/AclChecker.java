package io.lockd.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.SessionRecord;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.v1.Acl;
import io.lockd.proto.v1.AclEntry;
import io.lockd.proto.v1.NodeKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ACL checker: no command succeeds for an identity that the ACLs in force at its log index did
 * not allow, and none is refused PERMISSION_DENIED that they did allow. It recomputes, per replica,
 * every node's ACL, the groups under /lockd/groups and every session's creator from the commands
 * that replica applies and their results (seeded from the state when a replica starts or installs a
 * snapshot), with its own reading of the rules in docs/security.md, not the namespace's code:
 * create needs write on the parent, delete write on the node and the parent, set-contents write,
 * set-ACL admin, acquire and release lock, watch read on the node or its nearest existing ancestor,
 * and every session command must come from the session's creator.
 *
 * <p>A retry answered from the exactly-once record is not checked: its answer belongs to the index
 * it was first applied at.
 */
public final class AclChecker {
  private static final Acl OPEN =
      Acl.newBuilder()
          .addEntries(
              AclEntry.newBuilder()
                  .setPrincipal("anyone")
                  .setRead(true)
                  .setWrite(true)
                  .setLock(true)
                  .setAdmin(true))
          .build();
  private static final String GROUPS = "/lockd/groups/";

  /** One replica's view, rebuilt from what it applied. */
  private static final class Shadow {
    final Map<String, Acl> acls = new TreeMap<>();
    final Map<String, Set<String>> groups = new TreeMap<>();
    final Map<Long, String> creators = new TreeMap<>();
  }

  private final Map<Integer, Shadow> shadows = new HashMap<>();

  /** Per replica, for the command being applied: the right it lacks ("" none), null: unchecked. */
  private final Map<Integer, String> verdicts = new HashMap<>();

  /** Commands checked that were allowed and applied, and that were refused PERMISSION_DENIED. */
  public long allowed;

  public long denied;

  /** A replica's namespace started over (a start, a snapshot installed): seed from its state. */
  void stateReplaced(int replica, Namespace ns) {
    Shadow s = new Shadow();
    Snapshot snap;
    try {
      snap = Snapshot.parseFrom(ns.snapshot());
    } catch (InvalidProtocolBufferException e) {
      throw new Violation("acl: a replica's snapshot does not parse: " + e.getMessage());
    }
    for (NodeRecord n : snap.getNodesList()) {
      String path = n.getPath();
      Acl acl = n.hasAcl() ? n.getAcl() : path.equals("/") ? OPEN : s.acls.get(parent(path));
      s.acls.put(path, acl);
      if (isGroupFile(path) && n.getKind() == NodeKind.NODE_KIND_FILE) {
        s.groups.put(path.substring(GROUPS.length()), members(n.getContents().toStringUtf8()));
      }
    }
    for (SessionRecord r : snap.getSessionsList()) {
      s.creators.put(r.getSessionId(), r.getCreator());
    }
    shadows.put(replica, s);
    verdicts.remove(replica);
  }

  void beforeApply(int replica, Namespace ns, NamespaceCommand c) {
    verdicts.put(replica, verdict(shadows.get(replica), ns, c));
  }

  void afterApply(int replica, NamespaceCommand c, byte[] resultBytes) {
    String missing = verdicts.remove(replica);
    NamespaceResult result;
    try {
      result = NamespaceResult.parseFrom(resultBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new Violation("acl: a replica's result does not parse: " + e.getMessage());
    }
    Shadow s = shadows.get(replica);
    if (c.hasCreateSession() && !result.hasError()) {
      s.creators.put(result.getSessionCreated().getSessionId(), c.getHeader().getIdentity());
      return;
    }
    if (missing == null) {
      return;
    }
    boolean refused =
        result.hasError() && result.getError().getCode() == ErrorCode.ERROR_CODE_PERMISSION_DENIED;
    if (!result.hasError() && !missing.isEmpty()) {
      throw new Violation(
          "acl: replica "
              + replica
              + " applied "
              + c.getOpCase()
              + " for identity \""
              + c.getHeader().getIdentity()
              + "\" at index "
              + result.getIndex()
              + " though it lacks "
              + missing
              + ": "
              + c);
    }
    if (refused && missing.isEmpty()) {
      throw new Violation(
          "acl: replica "
              + replica
              + " refused "
              + c.getOpCase()
              + " at index "
              + result.getIndex()
              + " that the ACLs allowed: "
              + result.getError().getMessage());
    }
    if (refused) {
      denied++;
    } else if (!result.hasError()) {
      allowed++;
      learn(s, c);
    }
  }

  /** What a successful command changes in the ACLs, groups and sessions. */
  private static void learn(Shadow s, NamespaceCommand c) {
    switch (c.getOpCase()) {
      case CREATE_NODE -> {
        String path = c.getCreateNode().getPath();
        s.acls.put(path, s.acls.get(parent(path)));
        if (c.getCreateNode().getKind() == NodeKind.NODE_KIND_FILE) {
          learnGroup(s, path, c.getCreateNode().getContents());
        }
      }
      case SET_CONTENTS ->
          learnGroup(s, c.getSetContents().getPath(), c.getSetContents().getContents());
      case DELETE_NODE -> {
        String path = c.getDeleteNode().getPath();
        if (isGroupFile(path)) {
          s.groups.remove(path.substring(GROUPS.length()));
        }
      }
      case SET_ACL -> s.acls.put(c.getSetAcl().getPath(), c.getSetAcl().getAcl());
      default -> {}
    }
  }

  private static void learnGroup(Shadow s, String path, ByteString contents) {
    if (isGroupFile(path)) {
      s.groups.put(path.substring(GROUPS.length()), members(contents.toStringUtf8()));
    }
  }

  /** The right the command lacks ("" if none), or null if this checker does not judge it. */
  private static String verdict(Shadow s, Namespace ns, NamespaceCommand c) {
    long session = c.getHeader().getSessionId();
    String identity = c.getHeader().getIdentity();
    String creator = s.creators.get(session);
    switch (c.getOpCase()) {
      case CREATE_SESSION, EXPIRE_SESSION, EXTEND_ALL_SESSIONS, TICK, OP_NOT_SET -> {
        return null;
      }
      default -> {}
    }
    long last;
    try {
      last = ns.getSession(session).getLastSequence();
    } catch (NamespaceException gone) {
      return null; // refused for the session, before any right is looked at
    }
    if (Long.compareUnsigned(c.getHeader().getSequence(), last) <= 0) {
      return null; // a retry (the remembered answer) or a stale number
    }
    if (!identity.equals(creator)) {
      return "ownership of session " + session + " (created by \"" + creator + "\")";
    }
    return switch (c.getOpCase()) {
      case CREATE_NODE -> need(s, ns, identity, parent(c.getCreateNode().getPath()), 'w');
      case DELETE_NODE -> {
        String path = c.getDeleteNode().getPath();
        String onNode = need(s, ns, identity, path, 'w');
        yield onNode == null || !onNode.isEmpty()
            ? onNode
            : need(s, ns, identity, parent(path), 'w');
      }
      case SET_CONTENTS -> need(s, ns, identity, c.getSetContents().getPath(), 'w');
      case SET_ACL -> need(s, ns, identity, c.getSetAcl().getPath(), 'a');
      case ACQUIRE -> need(s, ns, identity, c.getAcquire().getPath(), 'l');
      case RELEASE -> need(s, ns, identity, c.getRelease().getPath(), 'l');
      case WATCH -> {
        String at = c.getWatch().getPath();
        while (!LockCheckers.exists(ns, at)) {
          at = parent(at);
        }
        yield need(s, ns, identity, at, 'r');
      }
      default -> "";
    };
  }

  /** "" if the ACL of {@code path} grants {@code right}; what is missing if not; null: no node. */
  private static String need(Shadow s, Namespace ns, String identity, String path, char right) {
    if (!LockCheckers.exists(ns, path)) {
      return null; // refused NOT_FOUND (or the like) before rights matter
    }
    Acl acl = s.acls.get(path);
    if (acl == null) {
      throw new Violation("acl: the checker lost track of node " + path + "'s ACL");
    }
    for (AclEntry e : acl.getEntriesList()) {
      boolean grants =
          switch (right) {
            case 'r' -> e.getRead();
            case 'w' -> e.getWrite();
            case 'l' -> e.getLock();
            default -> e.getAdmin();
          };
      if (grants && matches(s, e.getPrincipal(), identity)) {
        return "";
      }
    }
    return "right '" + right + "' on " + path + " (ACL " + acl.getEntriesList() + ")";
  }

  private static boolean matches(Shadow s, String principal, String identity) {
    if (principal.equals("anyone")) {
      return true;
    }
    if (principal.startsWith("group:")) {
      Set<String> members = s.groups.get(principal.substring("group:".length()));
      return !identity.isEmpty() && members != null && members.contains(identity);
    }
    return principal.equals(identity);
  }

  private static Set<String> members(String text) {
    Set<String> out = new TreeSet<>();
    for (String line : text.split("\n")) {
      String m = line.strip();
      if (!m.isEmpty() && !m.startsWith("#")) {
        out.add(m);
      }
    }
    return out;
  }

  private static boolean isGroupFile(String path) {
    return path.startsWith(GROUPS) && path.indexOf('/', GROUPS.length()) < 0;
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }
}
