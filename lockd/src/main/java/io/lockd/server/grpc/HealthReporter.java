package io.lockd.server.grpc;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.WatchGrpc;
import java.util.List;

/**
 * The standard gRPC health service (grpc.health.v1.Health), with these semantics:
 *
 * <ul>
 *   <li>{@code ""} (the whole server) and {@code lockd.v1.Session}, {@code lockd.v1.Node}, {@code
 *       lockd.v1.Lock}, {@code lockd.v1.Watch}: SERVING only while this replica serves clients
 *       (leader, lease held, leadership no-op applied); NOT_SERVING otherwise. A load balancer or
 *       client can find the leader by asking every member.
 *   <li>{@code lockd.v1.Cluster}: SERVING while the process runs (every replica answers Status).
 *   <li>After shutdown begins: NOT_SERVING everywhere.
 * </ul>
 */
final class HealthReporter {
  private static final List<String> LEADER_SERVICES =
      List.of(
          HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
          SessionGrpc.SERVICE_NAME,
          NodeGrpc.SERVICE_NAME,
          LockGrpc.SERVICE_NAME,
          WatchGrpc.SERVICE_NAME);

  private final HealthStatusManager manager = new HealthStatusManager();
  private Boolean serving;

  HealthReporter() {
    manager.setStatus(ClusterGrpc.SERVICE_NAME, ServingStatus.SERVING);
    update(false);
  }

  HealthStatusManager manager() {
    return manager;
  }

  /** Publishes whether this replica serves clients; cheap when nothing changed. */
  synchronized void update(boolean servingNow) {
    if (serving != null && serving == servingNow) {
      return;
    }
    serving = servingNow;
    ServingStatus status = servingNow ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (String service : LEADER_SERVICES) {
      manager.setStatus(service, status);
    }
  }

  synchronized void shutdown() {
    manager.enterTerminalState();
  }
}
