package io.lockd.cli;

import io.lockd.client.NodeStat;
import io.lockd.client.Sequencer;
import io.lockd.client.WatchEvent;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.SessionInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What lockctl prints, as ordered maps (snake_case keys) that render as tables or JSON. */
final class Views {
  private Views() {}

  static Map<String, Object> stat(NodeStat s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", s.path());
    m.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
    m.put("instance", s.instance());
    m.put("content_generation", s.contentGeneration());
    m.put("lock_generation", s.lockGeneration());
    m.put("size", s.contentLength());
    m.put("children", s.childCount());
    m.put("checksum", Integer.toUnsignedString(s.checksum()));
    m.put("created", s.created().toString());
    m.put("modified", s.modified().toString());
    m.put("ephemeral_owner", s.ephemeralOwner());
    m.put("lock_delay_ms", s.lockDelay().toMillis());
    m.put("index", s.index());
    return m;
  }

  static Map<String, Object> replica(ReplicaStatus r, int leaderId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.getId());
    m.put("address", r.getAddress());
    m.put("role", role(r));
    m.put("leader", r.getId() == leaderId);
    m.put("ballot", ballot(r.getBallot()));
    m.put("chosen", r.getChosenSlot());
    m.put("applied", r.getAppliedSlot());
    m.put("lag", r.getLagSlots());
    m.put("lease_ms", r.getLeaseRemainingMillis());
    m.put("last_contact_ms", r.getLastContactMillis());
    m.put("checksum", Long.toHexString(r.getStateChecksum()));
    m.put("divergence", r.getDivergence());
    List<Map<String, Object>> distrusts = new ArrayList<>();
    r.getDistrustsList().forEach(d -> {
      Map<String, Object> peer = new LinkedHashMap<>();
      peer.put("id", d.getId());
      peer.put("reason", d.getReason());
      distrusts.add(peer);
    });
    m.put("distrusts", distrusts);
    return m;
  }

  /**
   * The lines under the status table that say which replica diverged and which distrusts whom;
   * none while every replica agrees and trusts every other.
   */
  static List<String> trustNotes(List<ReplicaStatus> replicas) {
    List<String> notes = new ArrayList<>();
    for (ReplicaStatus r : replicas) {
      if (!r.getDivergence().isEmpty()) {
        notes.add("replica " + r.getId() + " DIVERGED: " + r.getDivergence());
      }
      r.getDistrustsList().forEach(d -> notes.add("replica " + r.getId() + " distrusts replica "
          + d.getId() + ": " + d.getReason()));
    }
    return notes;
  }

  private static String role(ReplicaStatus r) {
    return switch (r.getRole()) {
      case REPLICA_ROLE_LEADER -> "leader";
      case REPLICA_ROLE_FOLLOWER -> "follower";
      case REPLICA_ROLE_CANDIDATE -> "candidate";
      case REPLICA_ROLE_UNREACHABLE -> "unreachable";
      default -> "unknown";
    };
  }

  /** A ballot as round.replica (it is packed as round << 16 | replica id). */
  static String ballot(long ballot) {
    return (ballot >>> 16) + "." + (ballot & 0xffff);
  }

  static Map<String, Object> lock(LockInfo l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", l.getPath());
    m.put("mode", mode(l.getMode()));
    m.put("generation", l.getLockGeneration());
    List<Object> holders = new ArrayList<>();
    for (LockHolder h : l.getHoldersList()) {
      Map<String, Object> hm = new LinkedHashMap<>();
      hm.put("session", h.getSessionId());
      hm.put("client", h.getClientName());
      hm.put("mode", mode(h.getMode()));
      hm.put("generation", h.getLockGeneration());
      hm.put("granted", Instant.ofEpochMilli(h.getGrantedMillis()).toString());
      holders.add(hm);
    }
    m.put("holders", holders);
    List<Object> waiters = new ArrayList<>();
    for (LockWaiter w : l.getWaitersList()) {
      Map<String, Object> wm = new LinkedHashMap<>();
      wm.put("session", w.getSessionId());
      wm.put("client", w.getClientName());
      wm.put("mode", mode(w.getMode()));
      wm.put("enqueued", Instant.ofEpochMilli(w.getEnqueuedMillis()).toString());
      wm.put("deadline", Instant.ofEpochMilli(w.getDeadlineMillis()).toString());
      waiters.add(wm);
    }
    m.put("waiters", waiters);
    m.put("lock_delay_ms", l.getLockDelayMillis());
    m.put("lock_delay_left_ms", l.getLockDelayRemainingMillis());
    return m;
  }

  /** One table row per lock: holders and waiters as "session(client)". */
  static Map<String, Object> lockRow(LockInfo l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", l.getPath());
    m.put("mode", mode(l.getMode()));
    m.put("generation", l.getLockGeneration());
    List<String> holders = new ArrayList<>();
    l.getHoldersList().forEach(h -> holders.add(h.getSessionId() + "(" + h.getClientName() + ")"));
    List<String> waiters = new ArrayList<>();
    l.getWaitersList().forEach(w -> waiters.add(w.getSessionId() + "(" + w.getClientName() + ")"));
    m.put("holders", holders);
    m.put("waiters", waiters);
    m.put("lock_delay_left_ms", l.getLockDelayRemainingMillis());
    return m;
  }

  static String mode(LockMode mode) {
    return switch (mode) {
      case LOCK_MODE_EXCLUSIVE -> "exclusive";
      case LOCK_MODE_SHARED -> "shared";
      default -> "free";
    };
  }

  static Map<String, Object> session(SessionInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.getSessionId());
    m.put("client", s.getClientName());
    m.put("lease_ms", s.getLeaseMillis());
    m.put("created", Instant.ofEpochMilli(s.getCreatedMillis()).toString());
    m.put("last_sequence", s.getLastSequence());
    m.put("held_locks", List.copyOf(s.getHeldLocksList()));
    m.put("held_lock_count", s.getHeldLockCount());
    m.put("waiting_locks", List.copyOf(s.getWaitingLocksList()));
    m.put("waiting_lock_count", s.getWaitingLockCount());
    m.put("ephemeral_nodes", s.getEphemeralNodes());
    m.put("watches", s.getWatches());
    m.put("buffered_events", s.getBufferedEvents());
    m.put("caching", s.getCaching());
    return m;
  }

  static Map<String, Object> event(WatchEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", e.index());
    m.put("type", e.type().name().toLowerCase(Locale.ROOT));
    m.put("path", e.path());
    switch (e.type()) {
      case NODE_CREATED, NODE_DELETED -> m.put("instance", e.instance());
      case CONTENTS_CHANGED -> {
        m.put("instance", e.instance());
        m.put("content_generation", e.contentGeneration());
      }
      case CHILD_ADDED, CHILD_REMOVED -> m.put("child", e.childName());
      case LOCK_ACQUIRED, LOCK_RELEASED -> {
        m.put("session", e.sessionId());
        m.put("mode", e.mode() == null ? null : e.mode().name().toLowerCase(Locale.ROOT));
        m.put("generation", e.lockGeneration());
        if (e.type() == WatchEvent.Type.LOCK_RELEASED) {
          m.put("reason", e.releaseReason().name().replace("RELEASE_REASON_", "").toLowerCase(Locale.ROOT));
        }
      }
      default -> {}
    }
    return m;
  }

  static Map<String, Object> sequencer(Sequencer s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", s.path());
    m.put("mode", s.mode().name().toLowerCase(Locale.ROOT));
    m.put("generation", s.lockGeneration());
    m.put("instance", s.instance());
    m.put("session", s.sessionId());
    m.put("sequencer", s.encode());
    return m;
  }
}
