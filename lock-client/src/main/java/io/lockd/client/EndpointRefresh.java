package io.lockd.client;

import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.Member;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import java.util.List;

/**
 * Keeps the client's endpoints those of the cell's members: every {@code periodNanos} it asks any
 * replica for {@code Cluster.Status} ({@code members_only}: the replica asks none of its peers),
 * whose member list is the answering replica's newest configuration, and hands the members' client
 * addresses to the {@link LeaderRouter}. So a client started with the old endpoints reaches a
 * replica added later and stops trying a removed one (docs/client.md, "Endpoints"). Also at once
 * when the believed leader changes. One call at a time; a failed one waits for the next period.
 * Loop thread only.
 */
final class EndpointRefresh {
  private final ClientContext ctx;
  private final LeaderRouter router;
  private final long periodNanos;
  private ClientClock.Cancellable next;
  private boolean stopped;
  private boolean inFlight;

  EndpointRefresh(ClientContext ctx, LeaderRouter router, long periodNanos) {
    this.ctx = ctx;
    this.router = router;
    this.periodNanos = periodNanos;
  }

  /**
   * Starts refreshing (a period from now, and at once whenever the believed leader changes: the
   * configuration may have changed with it); does nothing if the period is zero.
   */
  void start() {
    if (periodNanos > 0) {
      next = ctx.clock.schedule(periodNanos, this::refresh);
      router.addLeaderListener(this::soon);
    }
  }

  private void soon() {
    if (!stopped && !inFlight) {
      next.cancel();
      next = ctx.clock.schedule(0, this::refresh);
    }
  }

  void stop() {
    stopped = true;
    if (next != null) {
      next.cancel();
    }
  }

  private void refresh() {
    if (stopped || inFlight) {
      return;
    }
    inFlight = true;
    ctx.rpc.start(
        ClusterGrpc.getStatusMethod(),
        StatusRequest.newBuilder().setMembersOnly(true).build(), // no fan-out to the peers
        false,
        ctx.clock.nanoTime() + ctx.attemptTimeoutNanos,
        (StatusResponse answer, LockdException error) -> {
          inFlight = false;
          if (answer != null) {
            router.updateEndpoints(endpoints(answer));
          }
          if (!stopped) {
            next = ctx.clock.schedule(periodNanos, this::refresh);
          }
        });
  }

  /** The members' client addresses; empty if the replica named none (an older build). */
  static List<String> endpoints(StatusResponse status) {
    return status.getMembersList().stream()
        .map(Member::getClientAddress)
        .filter(a -> !a.isEmpty())
        .toList();
  }
}
