package io.lockd.server;

import com.google.protobuf.ByteString;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.DeleteNodeRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.Stat;
import io.lockd.proto.v1.WatchKind;
import java.nio.charset.StandardCharsets;

/**
 * Checks a request against the leader's applied state before anything is proposed, so that bad
 * input costs no log entry and changes nothing (a refused command would still take an index and
 * the session's exactly-once record). Each check throws a {@link ServerError.Refusal} saying what
 * was wrong; the namespace's own messages are reused wherever the namespace can tell.
 *
 * <p>Checks that depend on state (does the node exist, does the session hold the lock) are skipped
 * for a retry (the session's last sequence number again): its first attempt was applied and the
 * namespace answers it from its exactly-once record, whatever the state is now. State may also
 * change between this check and the command's turn in the log; then the namespace refuses it
 * itself. Path syntax is checked by asking the namespace (a stat read), so that the server and
 * the state machine can never disagree on what a valid path is.
 */
final class RequestChecks {
  private final Namespace namespace;
  private final NamespaceLimits limits;

  RequestChecks(Namespace namespace) {
    this.namespace = namespace;
    this.limits = namespace.limits();
  }

  /**
   * Checks a mutating request's header and its session; returns true if it is a retry of the
   * session's last applied request.
   */
  boolean header(boolean present, RequestHeader header) {
    if (!present) {
      throw bad("header is required (session_id and sequence)");
    }
    if (header.getSessionId() == 0) {
      throw bad("header.session_id is required");
    }
    if (header.getSequence() == 0) {
      throw bad("header.sequence must be at least 1");
    }
    SessionInfo session = session(header.getSessionId());
    int order = Long.compareUnsigned(header.getSequence(), session.getLastSequence());
    if (order < 0) {
      throw ServerError.of(ServerError.FAILED_PRECONDITION,
          ErrorReason.ERROR_REASON_STALE_SEQUENCE,
          "sequence %s of session %d is older than its last applied sequence %s",
          Long.toUnsignedString(header.getSequence()), header.getSessionId(),
          Long.toUnsignedString(session.getLastSequence())).refusal();
    }
    return order == 0;
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

  void clientName(String name) {
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.clientNameBytesMax()) {
      throw bad("client_name is %d bytes of UTF-8; limit clientNameBytesMax=%d",
          bytes, limits.clientNameBytesMax());
    }
  }

  void createNode(CreateNodeRequest r, boolean retry) {
    Stat existing = probe(r.getPath());
    NodeKind kind = r.getKind();
    if (kind != NodeKind.NODE_KIND_FILE && kind != NodeKind.NODE_KIND_DIRECTORY) {
      throw bad("kind must be NODE_KIND_FILE or NODE_KIND_DIRECTORY, was %s",
          enumName(kind.name(), r.getKindValue()));
    }
    if (kind == NodeKind.NODE_KIND_DIRECTORY && !r.getContents().isEmpty()) {
      throw bad("directory %s cannot have contents (%d bytes given)", quote(r.getPath()),
          r.getContents().size());
    }
    contents(r.getPath(), r.getContents());
    if (r.hasLockDelayMillis() && Long.compareUnsigned(r.getLockDelayMillis(),
        limits.lockDelayMaxMillis()) > 0) {
      throw bad("lock_delay_millis=%s exceeds limit lockDelayMaxMillis=%d",
          Long.toUnsignedString(r.getLockDelayMillis()), limits.lockDelayMaxMillis());
    }
    if (r.getPath().equals("/") || (existing != null && !retry)) {
      throw ServerError.of(ServerError.ALREADY_EXISTS, ErrorReason.ERROR_REASON_NODE_EXISTS,
          "node %s already exists", quote(r.getPath())).refusal();
    }
    if (!retry) {
      parentDirectory(r.getPath());
    }
  }

  void deleteNode(DeleteNodeRequest r, boolean retry) {
    Stat existing = probe(r.getPath());
    if (r.getPath().equals("/")) {
      throw ServerError.of(ServerError.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_NOT_ALLOWED,
          "the root \"/\" cannot be deleted").refusal();
    }
    if (existing == null && !retry) {
      requireNode(r.getPath());
    }
  }

  void setContents(SetContentsRequest r, boolean retry) {
    Stat existing = probe(r.getPath());
    contents(r.getPath(), r.getContents());
    if (retry) {
      return;
    }
    if (existing == null) {
      requireNode(r.getPath());
    }
    if (existing.getKind() != NodeKind.NODE_KIND_FILE) {
      throw ServerError.of(ServerError.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "node %s is a directory and has no contents", quote(r.getPath())).refusal();
    }
  }

  void acquire(AcquireRequest r, long sessionId, boolean retry) {
    probe(r.getPath());
    mode(r.getMode(), r.getModeValue());
    if (retry) {
      return;
    }
    requireNode(r.getPath());
    LockInfo lock = namespace.getLockInfo(r.getPath()).getLock();
    for (LockHolder h : lock.getHoldersList()) {
      if (h.getSessionId() == sessionId) {
        throw alreadyHeld(sessionId, "holds", r.getPath());
      }
    }
    for (LockWaiter w : lock.getWaitersList()) {
      if (w.getSessionId() == sessionId) {
        throw alreadyHeld(sessionId, "waits for", r.getPath());
      }
    }
    if (r.getWaitMillis() != 0 && lock.getWaitersCount() >= limits.waitersPerLockMax()) {
      throw ServerError.of(ServerError.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_LIMIT_REACHED,
          "lock %s has too many waiters: limit waitersPerLockMax=%d reached", quote(r.getPath()),
          limits.waitersPerLockMax()).refusal();
    }
  }

  void release(ReleaseRequest r, long sessionId, boolean retry) {
    probe(r.getPath());
    if (retry) {
      return;
    }
    requireNode(r.getPath());
    LockInfo lock = namespace.getLockInfo(r.getPath()).getLock();
    boolean involved = lock.getHoldersList().stream().anyMatch(h -> h.getSessionId() == sessionId)
        || lock.getWaitersList().stream().anyMatch(w -> w.getSessionId() == sessionId);
    if (!involved) {
      throw ServerError.of(ServerError.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_LOCK_NOT_HELD,
          "session %d neither holds nor waits for lock %s", sessionId, quote(r.getPath()))
          .refusal();
    }
  }

  void watch(String path, WatchKind kind, int kindValue) {
    probe(path);
    if (kind != WatchKind.WATCH_KIND_CONTENTS && kind != WatchKind.WATCH_KIND_CHILDREN
        && kind != WatchKind.WATCH_KIND_LOCK) {
      throw bad("kind must be WATCH_KIND_CONTENTS, WATCH_KIND_CHILDREN or WATCH_KIND_LOCK, was %s",
          enumName(kind.name(), kindValue));
    }
  }

  void mode(LockMode mode, int value) {
    if (mode != LockMode.LOCK_MODE_EXCLUSIVE && mode != LockMode.LOCK_MODE_SHARED) {
      throw bad("mode must be LOCK_MODE_EXCLUSIVE or LOCK_MODE_SHARED, was %s",
          enumName(mode.name(), value));
    }
  }

  // ---- parts ----------------------------------------------------------------------------------

  /** Refuses a malformed path; returns the node's stat if it exists, else null. */
  private Stat probe(String path) {
    try {
      return namespace.getStat(path).getStat();
    } catch (NamespaceException e) {
      if (e.reason() == ErrorReason.ERROR_REASON_BAD_PATH) {
        throw ServerError.of(e).refusal();
      }
      return null;
    }
  }

  /** The node's stat, or the namespace's NOT_FOUND. */
  private Stat requireNode(String path) {
    try {
      return namespace.getStat(path).getStat();
    } catch (NamespaceException e) {
      throw ServerError.of(e).refusal();
    }
  }

  private void parentDirectory(String path) {
    String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
    Stat stat = probe(parent);
    if (stat == null) {
      throw ServerError.of(ServerError.NOT_FOUND, ErrorReason.ERROR_REASON_PARENT_NOT_FOUND,
          "cannot create %s: its parent %s does not exist", quote(path), quote(parent)).refusal();
    }
    if (stat.getKind() != NodeKind.NODE_KIND_DIRECTORY) {
      throw ServerError.of(ServerError.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_WRONG_NODE_KIND,
          "cannot create %s: its parent %s is a file", quote(path), quote(parent)).refusal();
    }
  }

  private void contents(String path, ByteString contents) {
    if (contents.size() > limits.contentBytesMax()) {
      throw ServerError.of(ServerError.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
          "contents for %s are %d bytes; limit contentBytesMax=%d", quote(path), contents.size(),
          limits.contentBytesMax()).refusal();
    }
  }

  private static ServerError.Refusal alreadyHeld(long sessionId, String how, String path) {
    return ServerError.of(ServerError.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_LOCK_ALREADY_HELD,
        "session %d already %s lock %s; release it first", sessionId, how, quote(path)).refusal();
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
