package io.lockd.client;

import io.lockd.proto.v1.Event;

/**
 * One change seen by a watch, in log order. {@link #index} is the index of the command it arose at;
 * events of one watch arrive with growing indexes, each exactly once, across leader changes.
 *
 * <p>Two events are signals rather than changes: {@link Type#RESYNC} says the session's event
 * history overflowed on the server and events up to {@link #index} were dropped: re-read what the
 * watch follows, then continue. {@link Type#WATCH_ENDED} says the session ended, and with it the
 * watch: no further events come.
 *
 * <pre>{@code
 * client.watch("/config/db", WatchKind.CONTENTS, e -> {
 *   switch (e.type()) {
 *     case CONTENTS_CHANGED, NODE_CREATED, RESYNC -> reload();
 *     case NODE_DELETED -> useDefaults();
 *     default -> {}
 *   }
 * });
 * }</pre>
 *
 * @param type what happened
 * @param path the watched path (for children events: the directory)
 * @param index the index the event arose at (for RESYNC: the newest dropped index)
 * @param instance the node's instance (node events)
 * @param contentGeneration the new content generation (CONTENTS_CHANGED)
 * @param childName the child added or removed (CHILD_ADDED, CHILD_REMOVED)
 * @param sessionId the holder (LOCK_ACQUIRED, LOCK_RELEASED)
 * @param mode the lock mode (LOCK_ACQUIRED, LOCK_RELEASED)
 * @param lockGeneration the grant's generation (LOCK_ACQUIRED, LOCK_RELEASED)
 * @param releaseReason why the holder let go (LOCK_RELEASED), else UNSPECIFIED
 */
public record WatchEvent(
    Type type,
    String path,
    long index,
    long instance,
    long contentGeneration,
    String childName,
    long sessionId,
    LockMode mode,
    long lockGeneration,
    ReleaseReason releaseReason) {

  /** What happened. */
  public enum Type {
    NODE_CREATED,
    CONTENTS_CHANGED,
    NODE_DELETED,
    CHILD_ADDED,
    CHILD_REMOVED,
    LOCK_ACQUIRED,
    LOCK_RELEASED,
    /** Events up to {@link WatchEvent#index} were dropped: re-read, then continue. */
    RESYNC,
    /** The session ended and the watch with it; nothing follows. */
    WATCH_ENDED
  }

  /**
   * Why a lock holder let go ({@link Type#LOCK_RELEASED}): whether the lock-delay applies.
   *
   * <pre>{@code
   * if (e.releaseReason() == WatchEvent.ReleaseReason.SESSION_EXPIRED) {
   *   log.warn("holder {} of {} died; lock-delay runs", e.sessionId(), e.path());
   * }
   * }</pre>
   */
  public enum ReleaseReason {
    /** Not a release, or a reason this client does not know. */
    UNSPECIFIED,
    /** The holder released it. No lock-delay. */
    RELEASED,
    /** The holder's session was closed cleanly. No lock-delay. */
    SESSION_CLOSED,
    /** The holder's session expired or was force-closed. The lock-delay applies. */
    SESSION_EXPIRED,
    /** The node was deleted with its ephemeral owner's session. */
    NODE_DELETED;

    static ReleaseReason fromProto(io.lockd.proto.v1.ReleaseReason reason) {
      return switch (reason) {
        case RELEASE_REASON_RELEASED -> RELEASED;
        case RELEASE_REASON_SESSION_CLOSED -> SESSION_CLOSED;
        case RELEASE_REASON_SESSION_EXPIRED -> SESSION_EXPIRED;
        case RELEASE_REASON_NODE_DELETED -> NODE_DELETED;
        default -> UNSPECIFIED;
      };
    }
  }

  static WatchEvent signal(Type type, String path, long index) {
    return new WatchEvent(type, path, index, 0, 0, "", 0, null, 0, ReleaseReason.UNSPECIFIED);
  }

  /** The client event of a wire event, or null if it is not a watch event. */
  static WatchEvent fromProto(Event e) {
    Type type =
        switch (e.getType()) {
          case EVENT_TYPE_NODE_CREATED -> Type.NODE_CREATED;
          case EVENT_TYPE_CONTENTS_CHANGED -> Type.CONTENTS_CHANGED;
          case EVENT_TYPE_NODE_DELETED -> Type.NODE_DELETED;
          case EVENT_TYPE_CHILDREN_CHANGED ->
              e.getChildAdded() ? Type.CHILD_ADDED : Type.CHILD_REMOVED;
          case EVENT_TYPE_LOCK_ACQUIRED -> Type.LOCK_ACQUIRED;
          case EVENT_TYPE_LOCK_RELEASED -> Type.LOCK_RELEASED;
          default -> null;
        };
    if (type == null) {
      return null;
    }
    return new WatchEvent(
        type,
        e.getPath(),
        e.getIndex(),
        e.getInstance(),
        e.getContentGeneration(),
        e.getChildName(),
        e.getSessionId(),
        LockMode.fromProto(e.getMode()),
        e.getLockGeneration(),
        ReleaseReason.fromProto(e.getReleaseReason()));
  }

  /** The kinds of watch this event belongs to. */
  boolean concerns(WatchKind kind) {
    return switch (type) {
      case NODE_CREATED, CONTENTS_CHANGED -> kind == WatchKind.CONTENTS;
      case CHILD_ADDED, CHILD_REMOVED -> kind == WatchKind.CHILDREN;
      case LOCK_ACQUIRED, LOCK_RELEASED -> kind == WatchKind.LOCK;
      case NODE_DELETED, RESYNC, WATCH_ENDED -> true;
    };
  }

  @Override
  public String toString() {
    StringBuilder b =
        new StringBuilder().append(index).append(' ').append(type).append(' ').append(path);
    switch (type) {
      case CHILD_ADDED, CHILD_REMOVED -> b.append(" child=").append(childName);
      case CONTENTS_CHANGED -> b.append(" generation=").append(contentGeneration);
      case LOCK_ACQUIRED, LOCK_RELEASED ->
          b.append(" session=")
              .append(sessionId)
              .append(" mode=")
              .append(mode)
              .append(" gen=")
              .append(lockGeneration);
      default -> {}
    }
    return b.toString();
  }
}
