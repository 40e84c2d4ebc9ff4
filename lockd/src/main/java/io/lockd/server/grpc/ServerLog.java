package io.lockd.server.grpc;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Role;
import io.lockd.paxos.Suspicion;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.replica.ReplicaListener;
import io.lockd.server.CellServer;
import io.lockd.server.ServerEvents;
import io.lockd.transport.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's log of notable moments (one line each: role changes, leadership served, session
 * expiries, snapshots) and the bridge that tells the {@link CellServer} when commands were applied.
 * Called on the replica's thread.
 */
final class ServerLog implements ReplicaListener, ServerEvents {
  private static final Logger log = LoggerFactory.getLogger("io.lockd.server");

  private final int selfId;
  private final LogLimiter refusals = new LogLimiter(10_000);
  private volatile CellServer cell;

  ServerLog(int selfId) {
    this.selfId = selfId;
  }

  void attach(CellServer server) {
    this.cell = server;
  }

  @Override
  public void roleChanged(
      Role from, Role to, long ballot, int leaderHint, long leaderSilentMillis) {
    log.info(
        "replica {}: role {} -> {} (ballot {}, leader {}{})",
        selfId,
        from,
        to,
        Ballot.toString(ballot),
        leaderHint < 0 ? "unknown" : leaderHint,
        to == Role.CANDIDATE && leaderSilentMillis >= 0
            ? "; last heard from a leader " + leaderSilentMillis + " ms ago"
            : "");
  }

  @Override
  public void snapshot(long index, long bytes, boolean installed) {
    log.info(
        "replica {}: snapshot at slot {} ({} bytes) {}",
        selfId,
        index,
        bytes,
        installed ? "installed from a peer" : "taken");
  }

  @Override
  public void applied(long appliedIndex) {
    CellServer server = cell;
    if (server != null) {
      server.onApplied();
    }
  }

  @Override
  public void messageRefused(int from, String reason) {
    long heldBack = refusals.allow("from " + from);
    if (heldBack >= 0) {
      log.warn(
          "replica {}: dropped a message from peer {} outside the protocol's ranges: {}{}",
          selfId,
          from,
          reason,
          heldBack > 0 ? " (and " + heldBack + " more since the last" + " such line)" : "");
    }
  }

  @Override
  public void peerDistrusted(Suspicion s) {
    log.warn(
        "replica {}: distrusts peer {} and ignores its messages: {}", selfId, s.peer(), s.reason());
  }

  @Override
  public void peerTrusted(int peer) {
    log.info("replica {}: trusts peer {} again", selfId, peer);
  }

  @Override
  public void diverged(String reason) {
    log.error(
        "replica {}: its state DIVERGED from the cell's and it stops serving and voting:" + " {}",
        selfId,
        reason);
  }

  @Override
  public void rebuilt(long index) {
    log.warn(
        "replica {}: rebuilt from a healthy peer's snapshot at slot {}; serving and voting"
            + " again",
        selfId,
        index);
  }

  @Override
  public void leadershipStarted(long ballot, int sessions, long graceMillis) {
    log.info(
        "replica {}: serving clients as leader (ballot {}); {} sessions inherited, "
            + "grace {} ms",
        selfId,
        Ballot.toString(ballot),
        sessions,
        graceMillis);
  }

  @Override
  public void leadershipEnded(long ballot, int leaderHint) {
    log.info(
        "replica {}: stopped serving as leader (ballot {}); leader now {}",
        selfId,
        Ballot.toString(ballot),
        leaderHint < 0 ? "unknown" : leaderHint);
  }

  @Override
  public void sessionExpired(long sessionId, ExpiryReason reason) {
    log.info(
        "replica {}: session {} ended: {}",
        selfId,
        sessionId,
        reason == ExpiryReason.EXPIRY_REASON_FORCE_CLOSED
            ? "force-closed by an administrator"
            : "lease expired");
  }

  @Override
  public void sessionCreated(long sessionId, long leaseMillis) {
    log.debug("replica {}: session {} created, lease {} ms", selfId, sessionId, leaseMillis);
  }

  @Override
  public void sessionClosed(long sessionId) {
    log.debug("replica {}: session {} closed", selfId, sessionId);
  }
}
