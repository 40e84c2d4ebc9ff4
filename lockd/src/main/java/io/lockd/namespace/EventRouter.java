package io.lockd.namespace;

import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.ReleaseReason;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.WatchKind;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Decides which sessions get which event, stamps each with the current command's index, and puts it
 * in their buffers. Node and lock-holder events go to the sessions that watch the path; lock
 * outcome events (granted, timed out, cancelled, lost, conflict) go to the session concerned
 * whether it watches or not, because they answer its own requests or concern its own holds.
 */
final class EventRouter {
  private final NamespaceState state;
  private final FileChangeListener changes;

  EventRouter(NamespaceState state, FileChangeListener changes) {
    this.state = state;
    this.changes = changes;
  }

  void nodeCreated(Node node) {
    changes.changed(node.path, state.appliedIndex);
    toWatchers(
        node.path,
        WatchKind.WATCH_KIND_CONTENTS,
        nodeEvent(EventType.EVENT_TYPE_NODE_CREATED, node));
    childChanged(node.path, true);
  }

  /**
   * A node's ACL changed: no watch event, but cached copies are invalidated, since the stat moved
   * and a caching client may have lost the right to read it.
   */
  void aclChanged(Node node) {
    changes.changed(node.path, state.appliedIndex);
  }

  void contentsChanged(Node node) {
    changes.changed(node.path, state.appliedIndex);
    Event.Builder e =
        nodeEvent(EventType.EVENT_TYPE_CONTENTS_CHANGED, node)
            .setContentGeneration(node.contentGeneration());
    toWatchers(node.path, WatchKind.WATCH_KIND_CONTENTS, e);
  }

  /** To every session watching the path in any way (once each), and to the parent's watchers. */
  void nodeDeleted(Node node) {
    changes.changed(node.path, state.appliedIndex);
    TreeSet<Long> targets = new TreeSet<>();
    for (WatchKind kind :
        List.of(
            WatchKind.WATCH_KIND_CONTENTS,
            WatchKind.WATCH_KIND_CHILDREN,
            WatchKind.WATCH_KIND_LOCK)) {
      targets.addAll(state.watches.subscribers(node.path, kind));
    }
    deliver(nodeEvent(EventType.EVENT_TYPE_NODE_DELETED, node), targets);
    childChanged(node.path, false);
  }

  void lockAcquired(String path, Holder holder) {
    changes.changed(path, state.appliedIndex); // the stat's lock generation moved
    toWatchers(
        path,
        WatchKind.WATCH_KIND_LOCK,
        holderEvent(EventType.EVENT_TYPE_LOCK_ACQUIRED, path, holder));
  }

  void lockReleased(String path, Holder holder, ReleaseReason reason) {
    Event.Builder e =
        holderEvent(EventType.EVENT_TYPE_LOCK_RELEASED, path, holder).setReleaseReason(reason);
    toWatchers(path, WatchKind.WATCH_KIND_LOCK, e);
  }

  /** To each holder: {@code waiter} queued behind them. */
  void lockConflict(LockState lock, Waiter waiter) {
    Event.Builder e =
        Event.newBuilder()
            .setType(EventType.EVENT_TYPE_LOCK_CONFLICT)
            .setPath(lock.path)
            .setSessionId(waiter.sessionId())
            .setMode(waiter.mode());
    deliver(e, lock.holders().stream().map(Holder::sessionId).toList());
  }

  void lockGranted(Waiter waiter, Sequencer sequencer) {
    Event.Builder e =
        Event.newBuilder()
            .setType(EventType.EVENT_TYPE_LOCK_GRANTED)
            .setPath(sequencer.getPath())
            .setMode(sequencer.getMode())
            .setLockGeneration(sequencer.getLockGeneration())
            .setSequencer(sequencer)
            .setRequestSequence(waiter.requestSequence());
    deliver(e, List.of(waiter.sessionId()));
  }

  void waitEnded(String path, Waiter waiter, EventType type) {
    Event.Builder e =
        Event.newBuilder()
            .setType(type)
            .setPath(path)
            .setMode(waiter.mode())
            .setRequestSequence(waiter.requestSequence());
    deliver(e, List.of(waiter.sessionId()));
  }

  void lockLost(String path, Holder holder) {
    deliver(holderEvent(EventType.EVENT_TYPE_LOCK_LOST, path, holder), List.of(holder.sessionId()));
  }

  private void childChanged(String path, boolean added) {
    String parent = NodePath.parent(path);
    Event.Builder e =
        Event.newBuilder()
            .setType(EventType.EVENT_TYPE_CHILDREN_CHANGED)
            .setPath(parent)
            .setChildName(NodePath.name(path))
            .setChildAdded(added);
    toWatchers(parent, WatchKind.WATCH_KIND_CHILDREN, e);
  }

  private static Event.Builder nodeEvent(EventType type, Node node) {
    return Event.newBuilder().setType(type).setPath(node.path).setInstance(node.instance);
  }

  private static Event.Builder holderEvent(EventType type, String path, Holder holder) {
    LockMode mode = holder.mode();
    return Event.newBuilder()
        .setType(type)
        .setPath(path)
        .setSessionId(holder.sessionId())
        .setMode(mode)
        .setLockGeneration(holder.generation());
  }

  private void toWatchers(String path, WatchKind kind, Event.Builder event) {
    deliver(event, state.watches.subscribers(path, kind));
  }

  private void deliver(Event.Builder event, Collection<Long> sessionIds) {
    if (sessionIds.isEmpty()) {
      return;
    }
    Event e = event.setIndex(state.appliedIndex).build();
    for (long id : sessionIds) {
      Session s = state.sessions.find(id);
      if (s != null) {
        s.events.append(e, state.limits.maxEventsPerSession());
        state.sessions.news.note(id);
      }
    }
  }
}
