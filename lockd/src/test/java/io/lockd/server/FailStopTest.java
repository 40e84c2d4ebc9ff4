package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.NodeKind;
import org.junit.jupiter.api.Test;

/**
 * An unexpected exception in the server core is not swallowed: it leaves the core to the driver,
 * which stops the replica (ReplicaLoop) or fails the simulation. Before, the proposer logged it and
 * carried on serving from bookkeeping it had left half done.
 */
class FailStopTest {
  @Test
  void anExceptionHandlingAnAppliedCommandLeavesTheServerCore() {
    CoreHarness h = new CoreHarness(5_000);
    long s = h.createSession(10_000);
    Reply<CreateNodeResponse> broken =
        new Reply<>() {
          @Override
          public void ok(CreateNodeResponse value) {
            throw new IllegalStateException("injected: answering failed");
          }

          @Override
          public void error(ServerError error) {
            throw new IllegalStateException("injected: answering failed");
          }
        };
    h.server.createNode(
        "",
        CreateNodeRequest.newBuilder()
            .setHeader(h.next(s))
            .setPath("/a")
            .setKind(NodeKind.NODE_KIND_FILE)
            .build(),
        broken);
    IllegalStateException e = assertThrows(IllegalStateException.class, h::apply);
    assertEquals("injected: answering failed", e.getMessage());
  }
}
