package io.lockd.client;

import io.lockd.proto.v1.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The client side of a session's locks: which {@link DistributedLock} waits for the outcome of
 * which Acquire (by request sequence), which holds which path, and every lock attached to the
 * session (to tell of state changes). Loop thread only.
 */
final class SessionLocks {
  /** What a lock needs to hear from its session. */
  interface Member {
    /** LOCK_GRANTED, LOCK_WAIT_TIMED_OUT or LOCK_WAIT_CANCELLED for its request. */
    void onOutcome(Event event);

    /** LOCK_LOST or LOCK_CONFLICT on the path it holds. */
    void onHolderEvent(Event event);

    void onSessionState(SessionState from, SessionState to);

    /** Events were dropped: an outcome may have been among them. */
    void onResync();
  }

  private final Map<Long, Member> byRequest = new HashMap<>();
  private final Map<String, Member> byPath = new HashMap<>();
  private final Set<Member> attached = new LinkedHashSet<>();

  void attach(Member m) {
    attached.add(m);
  }

  void detach(Member m) {
    attached.remove(m);
    // Usually both are empty by now (the outcome settled, the hold cleared): skip the scan then.
    if (!byRequest.isEmpty()) {
      byRequest.values().removeIf(x -> x == m);
    }
    if (!byPath.isEmpty()) {
      byPath.values().removeIf(x -> x == m);
    }
  }

  void expectOutcome(long requestSequence, Member m) {
    byRequest.put(requestSequence, m);
  }

  void outcomeSettled(long requestSequence) {
    byRequest.remove(requestSequence);
  }

  void holding(String path, Member m) {
    byPath.put(path, m);
  }

  void notHolding(String path, Member m) {
    byPath.remove(path, m);
  }

  void onEvent(Event e) {
    switch (e.getType()) {
      case EVENT_TYPE_LOCK_GRANTED,
          EVENT_TYPE_LOCK_WAIT_TIMED_OUT,
          EVENT_TYPE_LOCK_WAIT_CANCELLED -> {
        Member m = byRequest.get(e.getRequestSequence());
        if (m != null) {
          m.onOutcome(e);
        }
      }
      case EVENT_TYPE_LOCK_LOST, EVENT_TYPE_LOCK_CONFLICT -> {
        Member m = byPath.get(e.getPath());
        if (m != null) {
          m.onHolderEvent(e);
        }
      }
      default -> {}
    }
  }

  void onSessionState(SessionState from, SessionState to) {
    for (Member m : List.copyOf(attached)) {
      m.onSessionState(from, to);
    }
  }

  void onResync() {
    for (Member m : List.copyOf(attached)) {
      m.onResync();
    }
  }

  /** The paths held by this session's locks, as the client knows them. */
  List<String> heldPaths() {
    return new ArrayList<>(byPath.keySet());
  }
}
