package io.lockd.server;

import com.google.protobuf.ByteString;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.SetAclRequest;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.WatchKind;

/**
 * Checks a request before anything is proposed, so that bad input costs no log entry and changes
 * nothing (a command the namespace refuses still takes an index and the session's exactly-once
 * record). Each check throws a {@link ServerError.Refusal} saying what was wrong; the namespace's
 * own messages are reused wherever the namespace can tell.
 *
 * <p>Only refusals that are <em>permanent</em> are decided here: malformed fields, sizes over the
 * cell's limits, unknown enum values, a missing header, a session that no longer exists (ids are
 * never reused), a sequence number below the session's last. A request refused for the current
 * state instead (the node does not exist, the lock is not held, the queue is full) goes through the
 * log and the namespace refuses it there and records the refusal: answering it from the leader's
 * state would let an earlier attempt of the same request, still in flight from a previous leader,
 * apply after its client was told it failed. Path syntax is checked by asking the namespace (a stat
 * read), so that the server and the state machine can never disagree on what a valid path is.
 *
 * <p>A sequence number too far above the session's last is refused here as well, though the
 * session's last number grows: see {@link #header} for why that is safe.
 */
final class RequestChecks {
  private final Namespace namespace;
  private final NamespaceLimits limits;

  RequestChecks(Namespace namespace) {
    this.namespace = namespace;
    this.limits = namespace.limits();
  }

  /** Checks a mutating request's header, its session and its sequence number. */
  void header(boolean present, RequestHeader header) {
    if (!present) {
      throw bad("header is required (session_id and sequence)");
    }
    if (header.getSessionId() == 0) {
      throw bad("header.session_id is required");
    }
    if (header.getSequence() == 0) {
      throw bad("header.sequence must be at least 1");
    }
    // Beyond the window is as final as below the last: an earlier attempt of this request that a
    // previous leader proposed passed this check against an older state than this leader's, and
    // the last applied number only grows, so no such attempt can be in flight.
    try {
      namespace.checkSequence(header.getSessionId(), header.getSequence());
    } catch (NamespaceException e) {
      throw ServerError.of(e).refusal();
    }
  }

  /** The session, or NOT_FOUND (SESSION_NOT_FOUND). */
  SessionInfo session(long sessionId) {
    if (sessionId == 0) {
      throw bad("session_id is required");
    }
    try {
      return namespace.getSession(sessionId);
    } catch (NamespaceException e) {
      throw ServerError.of(e).refusal();
    }
  }

  /** Refuses a client name the namespace would refuse (length, unprintable characters). */
  void clientName(String name) {
    try {
      namespace.checkClientName(name);
    } catch (NamespaceException e) {
      throw ServerError.of(e).refusal();
    }
  }

  void createNode(CreateNodeRequest r) {
    path(r.getPath());
    NodeKind kind = r.getKind();
    if (kind != NodeKind.NODE_KIND_FILE && kind != NodeKind.NODE_KIND_DIRECTORY) {
      throw bad(
          "kind must be NODE_KIND_FILE or NODE_KIND_DIRECTORY, was %s",
          enumName(kind.name(), r.getKindValue()));
    }
    if (kind == NodeKind.NODE_KIND_DIRECTORY && !r.getContents().isEmpty()) {
      throw bad(
          "directory %s cannot have contents (%d bytes given)",
          quote(r.getPath()), r.getContents().size());
    }
    contents(r.getPath(), r.getContents());
    if (r.hasLockDelayMillis()
        && Long.compareUnsigned(r.getLockDelayMillis(), limits.maxLockDelayMillis()) > 0) {
      throw bad(
          "lock_delay_millis=%s exceeds limit maxLockDelayMillis=%d",
          Long.toUnsignedString(r.getLockDelayMillis()), limits.maxLockDelayMillis());
    }
    if (r.getPath().equals("/")) {
      throw ServerError.of(
              ServerError.ALREADY_EXISTS,
              ErrorReason.ERROR_REASON_NODE_EXISTS,
              "node \"/\" always exists")
          .refusal();
    }
  }

  void deleteNode(DeleteNodeRequest r) {
    path(r.getPath());
    if (r.getPath().equals("/")) {
      throw ServerError.of(
              ServerError.FAILED_PRECONDITION,
              ErrorReason.ERROR_REASON_NOT_ALLOWED,
              "the root \"/\" cannot be deleted")
          .refusal();
    }
  }

  void setContents(SetContentsRequest r) {
    path(r.getPath());
    contents(r.getPath(), r.getContents());
  }

  /** An ACL is required (an empty one, granting nothing, is explicit) and must be well formed. */
  void setAcl(SetAclRequest r) {
    path(r.getPath());
    if (!r.hasAcl()) {
      throw bad("acl is required (an ACL with no entries grants nothing to anyone)");
    }
    try {
      Namespace.checkAcl(r.getAcl());
    } catch (NamespaceException e) {
      throw ServerError.of(e).refusal();
    }
  }

  void acquire(AcquireRequest r) {
    path(r.getPath());
    mode(r.getMode(), r.getModeValue());
  }

  void release(ReleaseRequest r) {
    path(r.getPath());
  }

  void watch(String path, WatchKind kind, int kindValue) {
    path(path);
    if (kind != WatchKind.WATCH_KIND_CONTENTS
        && kind != WatchKind.WATCH_KIND_CHILDREN
        && kind != WatchKind.WATCH_KIND_LOCK) {
      throw bad(
          "kind must be WATCH_KIND_CONTENTS, WATCH_KIND_CHILDREN or WATCH_KIND_LOCK, was %s",
          enumName(kind.name(), kindValue));
    }
  }

  void mode(LockMode mode, int value) {
    if (mode != LockMode.LOCK_MODE_EXCLUSIVE && mode != LockMode.LOCK_MODE_SHARED) {
      throw bad(
          "mode must be LOCK_MODE_EXCLUSIVE or LOCK_MODE_SHARED, was %s",
          enumName(mode.name(), value));
    }
  }

  // ---- parts ----------------------------------------------------------------------------------

  /** Refuses a malformed path (the namespace's own rule and message). */
  void path(String path) {
    try {
      namespace.getStat(path);
    } catch (NamespaceException e) {
      if (e.reason() == ErrorReason.ERROR_REASON_BAD_PATH) {
        throw ServerError.of(e).refusal();
      }
    }
  }

  private void contents(String path, ByteString contents) {
    if (contents.size() > limits.maxContentBytes()) {
      throw ServerError.of(
              ServerError.INVALID_ARGUMENT,
              ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
              "contents for %s are %d bytes; limit maxContentBytes=%d",
              quote(path),
              contents.size(),
              limits.maxContentBytes())
          .refusal();
    }
  }

  private static ServerError.Refusal bad(String format, Object... args) {
    return ServerError.badArgument(format, args).refusal();
  }

  private static String enumName(String name, int value) {
    return name.equals("UNRECOGNIZED") ? value + " (not a known value)" : name;
  }

  /** Quotes a path that already passed validation (printable, bounded length). */
  private static String quote(String path) {
    return "\"" + path + "\"";
  }
}
