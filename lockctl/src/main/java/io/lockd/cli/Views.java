package io.lockd.cli;

import io.lockd.client.Acl;
import io.lockd.client.LockDetails;
import io.lockd.client.LockMode;
import io.lockd.client.NodeStat;
import io.lockd.client.ReplicaState;
import io.lockd.client.Sequencer;
import io.lockd.client.SessionSummary;
import io.lockd.client.WatchEvent;
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
    m.put("acl_generation", s.aclGeneration());
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

  static Map<String, Object> acl(String path, Acl acl) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("entries", aclEntries(acl));
    return m;
  }

  /** One row per entry: principal, and rights as letters (r, w, l, a). */
  static List<Map<String, Object>> aclEntries(Acl acl) {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (Acl.Entry e : acl.entries()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("principal", e.principal());
      entry.put("rights", e.toString().substring(e.principal().length() + 1));
      entries.add(entry);
    }
    return entries;
  }

  static Map<String, Object> replica(ReplicaState r, int leaderId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("address", r.address());
    m.put("role", r.role().name().toLowerCase(Locale.ROOT));
    m.put("leader", r.id() == leaderId);
    m.put("ballot", ballot(r.ballot()));
    m.put("chosen", r.chosenSlot());
    m.put("applied", r.appliedSlot());
    m.put("lag", r.lagSlots());
    m.put("lease_ms", r.leaseRemaining().toMillis());
    m.put("last_contact_ms", r.lastContact().toMillis());
    m.put("checksum", Long.toHexString(r.stateChecksum()));
    m.put("divergence", r.divergence());
    // Unknown for a replica nobody could ask; "NO" stands out in the table on purpose.
    boolean known =
        r.role() != ReplicaState.Role.UNREACHABLE && r.role() != ReplicaState.Role.UNKNOWN;
    m.put("tls", known ? (Object) r.tls() : null);
    List<Map<String, Object>> distrusts = new ArrayList<>();
    r.distrusts()
        .forEach(
            d -> {
              Map<String, Object> peer = new LinkedHashMap<>();
              peer.put("id", d.id());
              peer.put("reason", d.reason());
              distrusts.add(peer);
            });
    m.put("distrusts", distrusts);
    return m;
  }

  /**
   * One line naming the reachable replicas that serve plaintext (their ports are unauthenticated),
   * or none.
   */
  static List<String> plaintextNote(List<ReplicaState> replicas) {
    List<String> ids = new ArrayList<>();
    for (ReplicaState r : replicas) {
      if (!r.tls()
          && r.role() != ReplicaState.Role.UNREACHABLE
          && r.role() != ReplicaState.Role.UNKNOWN) {
        ids.add(Integer.toString(r.id()));
      }
    }
    return ids.isEmpty()
        ? List.of()
        : List.of(
            "WARNING: replica(s) "
                + String.join(", ", ids)
                + " serve PLAINTEXT: no TLS, anyone who reaches their ports can read and change"
                + " everything (docs/security.md)");
  }

  /**
   * The lines under the status table that say which replica diverged and which distrusts whom; none
   * while every replica agrees and trusts every other.
   */
  static List<String> trustNotes(List<ReplicaState> replicas) {
    List<String> notes = new ArrayList<>();
    for (ReplicaState r : replicas) {
      if (!r.divergence().isEmpty()) {
        notes.add("replica " + r.id() + " DIVERGED: " + r.divergence());
      }
      r.distrusts()
          .forEach(
              d ->
                  notes.add(
                      "replica " + r.id() + " distrusts replica " + d.id() + ": " + d.reason()));
    }
    return notes;
  }

  /** A ballot as round.replica (it is packed as round << 16 | replica id). */
  static String ballot(long ballot) {
    return (ballot >>> 16) + "." + (ballot & 0xffff);
  }

  static Map<String, Object> lock(LockDetails l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", l.path());
    m.put("mode", mode(l.mode()));
    m.put("generation", l.generation());
    List<Object> holders = new ArrayList<>();
    for (LockDetails.Holder h : l.holders()) {
      Map<String, Object> hm = new LinkedHashMap<>();
      hm.put("session", h.sessionId());
      hm.put("client", h.clientName());
      hm.put("mode", mode(h.mode()));
      hm.put("generation", h.lockGeneration());
      hm.put("granted", h.granted().toString());
      holders.add(hm);
    }
    m.put("holders", holders);
    List<Object> waiters = new ArrayList<>();
    for (LockDetails.Waiter w : l.waiters()) {
      Map<String, Object> wm = new LinkedHashMap<>();
      wm.put("session", w.sessionId());
      wm.put("client", w.clientName());
      wm.put("mode", mode(w.mode()));
      wm.put("enqueued", w.enqueued().toString());
      wm.put("deadline", w.deadline().toString());
      waiters.add(wm);
    }
    m.put("waiters", waiters);
    m.put("lock_delay_ms", l.lockDelay().toMillis());
    m.put("lock_delay_left_ms", l.lockDelayRemaining().toMillis());
    return m;
  }

  /** One table row per lock: holders and waiters as "session(client)". */
  static Map<String, Object> lockRow(LockDetails l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", l.path());
    m.put("mode", mode(l.mode()));
    m.put("generation", l.generation());
    List<String> holders = new ArrayList<>();
    l.holders().forEach(h -> holders.add(h.sessionId() + "(" + h.clientName() + ")"));
    List<String> waiters = new ArrayList<>();
    l.waiters().forEach(w -> waiters.add(w.sessionId() + "(" + w.clientName() + ")"));
    m.put("holders", holders);
    m.put("waiters", waiters);
    m.put("lock_delay_left_ms", l.lockDelayRemaining().toMillis());
    return m;
  }

  /** A lock's mode as printed; a lock nobody holds is "free". */
  static String mode(LockMode mode) {
    return mode == null ? "free" : mode.name().toLowerCase(Locale.ROOT);
  }

  static Map<String, Object> session(SessionSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.sessionId());
    m.put("client", s.clientName());
    m.put("creator", s.creator().isEmpty() ? "(anonymous)" : s.creator());
    m.put("lease_ms", s.lease().toMillis());
    m.put("created", s.created().toString());
    m.put("last_sequence", s.lastSequence());
    m.put("held_locks", s.heldLocks());
    m.put("held_lock_count", s.heldLockCount());
    m.put("waiting_locks", s.waitingLocks());
    m.put("waiting_lock_count", s.waitingLockCount());
    m.put("ephemeral_nodes", s.ephemeralNodes());
    m.put("watches", s.watches());
    m.put("buffered_events", s.bufferedEvents());
    m.put("caching", s.caching());
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
          m.put("reason", e.releaseReason().name().toLowerCase(Locale.ROOT));
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
