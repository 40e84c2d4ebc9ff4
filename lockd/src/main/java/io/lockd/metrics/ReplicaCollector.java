package io.lockd.metrics;

import io.lockd.namespace.NamespaceSizes;
import io.lockd.paxos.Ballot;
import io.lockd.paxos.PeerProgress;
import io.lockd.paxos.Role;
import io.lockd.replica.ReplicaRuntime;
import io.lockd.replica.ReplicaStatus;
import io.lockd.server.CellServer;
import io.lockd.storage.GroupCommitWriter;
import io.lockd.transport.PeerStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's state as gauges and its running totals as counters, read when Prometheus scrapes.
 *
 * <p>What belongs to the replica's thread (role, ballot, indexes, lease, the namespace's sizes) is
 * read there in one short task per scrape, so that the figures of one scrape belong to one instant
 * and nothing on the hot path pays for metrics. If the thread does not answer in time, that part is
 * left out of the scrape (and {@code lockd_scrape_replica_timeouts_total} counts it) rather than
 * delaying the whole scrape.
 */
final class ReplicaCollector implements MultiCollector {
  private static final Logger log = LoggerFactory.getLogger(ReplicaCollector.class);
  private static final long LOOP_TIMEOUT_MILLIS = 2_000;

  /** What is read on the replica's thread. */
  record LoopView(
      ReplicaStatus replica,
      boolean serving,
      NamespaceSizes sizes,
      int trackedSessions,
      int openStreams,
      int parkedRequests,
      int pendingInvalidations) {}

  private final ReplicaRuntime runtime;
  private final CellServer cell;
  private long loopTimeouts;

  ReplicaCollector(ReplicaRuntime runtime, CellServer cell) {
    this.runtime = runtime;
    this.cell = cell;
  }

  @Override
  public MetricSnapshots collect() {
    Snapshots out = new Snapshots();
    LoopView view = readLoop();
    if (view != null) {
      replica(out, view);
    }
    out.counter(
        "lockd_scrape_replica_timeouts",
        "Scrapes whose replica figures were left out: the replica's thread did not answer in time.",
        loopTimeouts());
    writer(out, runtime.writerStats());
    disk(out, runtime.dataDir());
    peers(out, runtime.transport().stats());
    return new MetricSnapshots(out.families());
  }

  private synchronized long loopTimeouts() {
    return loopTimeouts;
  }

  private LoopView readLoop() {
    try {
      return runtime
          .loop()
          .call(
              r -> {
                CellServer c = cell;
                return new LoopView(
                    r.status(),
                    c.serving(),
                    c.namespaceSizes(),
                    c.trackedSessions(),
                    c.openStreams(),
                    c.parkedRequests(),
                    c.pendingInvalidations());
              },
              LOOP_TIMEOUT_MILLIS);
    } catch (Exception e) {
      synchronized (this) {
        loopTimeouts++;
      }
      log.debug("metrics: the replica's thread did not answer", e);
      return null;
    }
  }

  private static void replica(Snapshots out, LoopView v) {
    ReplicaStatus r = v.replica();
    GaugeSnapshot.Builder role =
        out.labelledGauge(
            "lockd_replica_role", "1 for the replica's current role, 0 for the others.");
    for (Role each : Role.values()) {
      role.dataPoint(
          Snapshots.point(each == r.role() ? 1 : 0, "role", each.name().toLowerCase(Locale.ROOT)));
    }
    out.add(role.build());
    out.gauge(
        "lockd_serving",
        "1 while this replica serves clients (leader with its lease).",
        b(v.serving()));
    out.gauge(
        "lockd_ballot_round",
        "The round of the highest ballot this replica promised or leads with; it grows with every"
            + " election.",
        Ballot.round(r.ballot()));
    out.gauge(
        "lockd_ballot_replica",
        "The replica id in the highest ballot this replica promised or leads with: the leader it"
            + " follows or is.",
        Ballot.replicaId(r.ballot()));
    out.gauge("lockd_chosen_slot", "The highest log slot known to be chosen.", r.chosenIndex());
    out.gauge(
        "lockd_applied_slot", "The highest log slot applied to the namespace.", r.appliedIndex());
    out.gauge(
        "lockd_snapshot_slot",
        "The log slot of the latest snapshot of the namespace.",
        r.snapshotIndex());
    out.gauge(
        "lockd_apply_lag_slots",
        "Chosen slots not yet applied here.",
        Math.max(0, r.chosenIndex() - r.appliedIndex()));
    out.gauge(
        "lockd_leader_lease_remaining_seconds",
        "The leader's lease left, as this replica counts it; 0 if it knows of none.",
        r.leaseRemainingMillis() / 1000.0);
    out.gauge(
        "lockd_leader_contact_age_seconds",
        "Time since this replica last heard from the leader (0 on the leader).",
        Math.max(0, r.lastLeaderContactAgoMillis()) / 1000.0);
    out.gauge(
        "lockd_proposals_waiting",
        "Commands proposed on this replica and not yet chosen.",
        r.waitingProposals());
    out.gauge("lockd_proposal_backlog", "Commands queued for a log slot.", r.backlog());
    out.gauge(
        "lockd_unsynced_writes",
        "Acceptor writes handed to the disk thread and not yet synced.",
        r.unsyncedWrites());
    out.gauge(
        "lockd_diverged",
        "1 while this replica's state checksum differs from the majority's (it then rebuilds).",
        b(r.divergence() != null && !r.divergence().isEmpty()));
    out.gauge("lockd_distrusted_peers", "Peers this replica distrusts now.", r.suspicions().size());
    out.counter(
        "lockd_rebuilds",
        "Times this replica rebuilt its state from a peer's snapshot.",
        r.rebuilds());
    if (r.role() == Role.LEADER) {
      GaugeSnapshot.Builder lag =
          out.labelledGauge(
              "lockd_peer_lag_slots", "On the leader: how far each peer's chosen slot is behind.");
      for (PeerProgress p : r.peers()) {
        lag.dataPoint(
            Snapshots.point(
                Math.max(0, r.chosenIndex() - p.chosenIndex()), "peer", "" + p.replicaId()));
      }
      out.add(lag.build());
    }
    NamespaceSizes s = v.sizes();
    out.gauge("lockd_nodes", "Nodes in the namespace, the root included.", s.nodes());
    out.gauge("lockd_content_bytes", "Bytes of file contents in the namespace.", s.contentBytes());
    out.gauge("lockd_sessions", "Open sessions.", s.sessions());
    out.gauge(
        "lockd_locks_held", "Lock holders (a shared lock counts each holder).", s.locksHeld());
    out.gauge("lockd_lock_waiters", "Queued lock acquires.", s.lockWaiters());
    out.gauge("lockd_watches", "Watches over all sessions.", s.watches());
    out.gauge(
        "lockd_events_buffered",
        "Events buffered for sessions, not yet acknowledged.",
        s.bufferedEvents());
    out.gauge(
        "lockd_session_leases_tracked",
        "Sessions whose lease this replica times (on the leader: every session).",
        v.trackedSessions());
    out.gauge(
        "lockd_keepalive_streams",
        "Open KeepAlive streams (one per connected session).",
        v.openStreams());
    out.gauge(
        "lockd_cache_invalidations_pending",
        "Cache invalidations sent to caching sessions and not yet acknowledged.",
        v.pendingInvalidations());
    out.gauge(
        "lockd_parked_requests",
        "Requests waiting for this replica to catch up or for cache invalidations to be acknowledged.",
        v.parkedRequests());
  }

  private static void writer(Snapshots out, GroupCommitWriter.Stats w) {
    out.counter(
        "lockd_log_syncs", "fdatasyncs of the acceptor log (one per group commit).", w.syncs());
    out.counter(
        "lockd_log_write_batches", "Batches of acceptor writes appended to the log.", w.batches());
    out.counter(
        "lockd_log_accepted_entries",
        "Accepted log entries appended to the log.",
        w.acceptedEntries());
    out.counter(
        "lockd_log_commands",
        "Client commands in the accepted entries appended: commands per sync is its rate over"
            + " lockd_log_syncs_total's.",
        w.commands());
  }

  /** The acceptor log's segments and its checkpoints on disk (docs/storage.md, the layout). */
  private static void disk(Snapshots out, Path dataDir) {
    long logBytes = 0;
    long checkpoints = 0;
    try (Stream<Path> wal = Files.list(dataDir.resolve("wal"));
        Stream<Path> top = Files.list(dataDir)) {
      for (Path f : wal.toList()) {
        logBytes += f.getFileName().toString().endsWith(".wal") ? Files.size(f) : 0;
      }
      for (Path f : top.toList()) {
        String name = f.getFileName().toString();
        checkpoints += name.startsWith("checkpoint-") && name.endsWith(".db") ? Files.size(f) : 0;
      }
    } catch (IOException | UncheckedIOException e) {
      // Files come and go while the writer rotates them; this scrape goes without the sizes.
      log.debug("metrics: cannot size the data directory {}: {}", dataDir, e.toString());
      return;
    }
    out.gauge(
        "lockd_log_bytes",
        "Bytes of the acceptor log's segments on disk (preallocated, so it grows in steps).",
        logBytes);
    out.gauge("lockd_checkpoint_bytes", "Bytes of the MapDB checkpoints on disk.", checkpoints);
  }

  private static void peers(Snapshots out, Map<Integer, PeerStats> stats) {
    GaugeSnapshot.Builder connected =
        out.labelledGauge(
            "lockd_peer_connected", "1 while the outbound stream to the peer is open.");
    CounterSnapshot.Builder sent =
        out.labelledCounter("lockd_peer_messages_sent", "Messages handed to the peer's stream.");
    CounterSnapshot.Builder dropped =
        out.labelledCounter(
            "lockd_peer_messages_dropped",
            "Messages to the peer given up on (queue full, stream broken); Paxos resends what"
                + " matters.");
    CounterSnapshot.Builder received =
        out.labelledCounter("lockd_peer_messages_received", "Messages accepted from the peer.");
    CounterSnapshot.Builder sentBytes =
        out.labelledCounter(
            "lockd_peer_sent_bytes",
            "Encoded bytes of the messages handed to the peer's stream (without gRPC's framing).");
    CounterSnapshot.Builder receivedBytes =
        out.labelledCounter(
            "lockd_peer_received_bytes", "Encoded bytes of the messages accepted from the peer.");
    for (Map.Entry<Integer, PeerStats> e : stats.entrySet()) {
      String peer = "" + e.getKey();
      PeerStats p = e.getValue();
      connected.dataPoint(Snapshots.point(b(p.connected()), "peer", peer));
      sent.dataPoint(Snapshots.count(p.sent(), "peer", peer));
      dropped.dataPoint(Snapshots.count(p.dropped(), "peer", peer));
      received.dataPoint(Snapshots.count(p.received(), "peer", peer));
      sentBytes.dataPoint(Snapshots.count(p.sentBytes(), "peer", peer));
      receivedBytes.dataPoint(Snapshots.count(p.receivedBytes(), "peer", peer));
    }
    out.add(connected.build());
    out.add(sent.build());
    out.add(dropped.build());
    out.add(received.build());
    out.add(sentBytes.build());
    out.add(receivedBytes.build());
  }

  private static double b(boolean value) {
    return value ? 1 : 0;
  }
}
