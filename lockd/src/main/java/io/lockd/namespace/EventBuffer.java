package io.lockd.namespace;

import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The events waiting for one session's client, oldest first, at most a configured number. When it
 * is full the oldest event is dropped and its index remembered, so that a client resuming from an
 * older index is told (RESYNC) instead of silently missing events. Events the client acknowledged
 * (through a command header) are discarded without that mark: the client has them.
 *
 * <p>Most sessions are idle and have no events; the queue is allocated on first use.
 */
final class EventBuffer {
  private ArrayDeque<Event> events;
  private long droppedThroughIndex;

  void append(Event event, int capacity) {
    if (events == null) {
      events = new ArrayDeque<>();
    }
    if (events.size() >= capacity) {
      droppedThroughIndex = events.removeFirst().getIndex();
    }
    events.addLast(event);
  }

  /** Discards events up to {@code index}, which the client has seen. */
  void discardThrough(long index) {
    if (events == null) {
      return;
    }
    while (!events.isEmpty() && events.peekFirst().getIndex() <= index) {
      events.removeFirst();
    }
    if (events.isEmpty()) {
      events = null;
    }
  }

  /**
   * The events after {@code lastSeenIndex}, in order. If events after it were dropped, the answer
   * starts with a RESYNC event whose index is the newest dropped index, followed by the events
   * after that index; events that share the dropped index were partly lost and are left out.
   */
  List<Event> since(long lastSeenIndex) {
    List<Event> out = new ArrayList<>();
    long from = lastSeenIndex;
    if (lastSeenIndex < droppedThroughIndex) {
      out.add(
          Event.newBuilder()
              .setIndex(droppedThroughIndex)
              .setType(EventType.EVENT_TYPE_RESYNC)
              .build());
      from = droppedThroughIndex;
    }
    if (events != null) {
      for (Event e : events) {
        if (e.getIndex() > from) {
          out.add(e);
        }
      }
    }
    return out;
  }

  int size() {
    return events == null ? 0 : events.size();
  }

  Collection<Event> all() {
    return events == null ? List.of() : Collections.unmodifiableCollection(events);
  }

  long droppedThroughIndex() {
    return droppedThroughIndex;
  }

  /** Refills the buffer from a snapshot. */
  void restore(List<Event> buffered, long droppedThrough) {
    events = buffered.isEmpty() ? null : new ArrayDeque<>(buffered);
    droppedThroughIndex = droppedThrough;
  }
}
