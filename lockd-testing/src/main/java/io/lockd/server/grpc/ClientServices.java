package io.lockd.server.grpc;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.lockd.server.CellServer;
import io.lockd.server.ServerConfig;
import java.util.Map;
import java.util.TreeMap;

/**
 * The production {@code lockd.v1} services a replica serves clients with (Session, Node, Lock,
 * Watch), bound exactly as {@link LockdServer} binds them, but over a {@link CellGateway} whose
 * task queue a test supplies. lock-client's deterministic simulation calls their handlers through
 * its simulated transport, so requests, answers, status codes and trailers (leader hints, error
 * details) go through the same adapter code as in the daemon. {@code Cluster} (status pages, admin
 * calls) and health are left out: the simulated clients do not use them.
 */
public final class ClientServices {
  private ClientServices() {}

  /**
   * The handlers by full method name (such as {@code lockd.v1.Lock/Acquire}).
   *
   * @param tasks the replica's task queue (in a simulation: run on the replica's event queue)
   * @param clientAddresses every member's client address by id, for the leader-hint trailers
   */
  public static Map<String, ServerMethodDefinition<?, ?>> bind(
      CellGateway.TaskQueue tasks,
      CellServer cell,
      Map<Integer, String> clientAddresses,
      int selfId) {
    CellGateway gateway = new CellGateway(tasks, cell, new GrpcErrors(clientAddresses), selfId);
    Map<String, ServerMethodDefinition<?, ?>> methods = new TreeMap<>();
    for (ServerServiceDefinition service :
        new ServerServiceDefinition[] {
          new SessionService(
                  gateway,
                  selfId,
                  ServerConfig.defaults().maxCallsPerStream(),
                  new Admission(
                      selfId,
                      LockdConfig.SESSION_CREATIONS_IN_FLIGHT_MAX,
                      LockdConfig.KEEPALIVE_OPENINGS_IN_FLIGHT_MAX))
              .bindService(),
          new NodeService(gateway).bindService(),
          new LockService(gateway).bindService(),
          new WatchService(gateway).bindService()
        }) {
      for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
        methods.put(m.getMethodDescriptor().getFullMethodName(), m);
      }
    }
    return methods;
  }
}
