package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A request handler that throws found a bug in the server core: its caller hears INTERNAL, and the
 * exception reaches the replica's loop, which stops the replica, instead of being logged and
 * forgotten while the loop serves on.
 */
class CellGatewayFailStopTest {
  private final List<ServerError> answers = new ArrayList<>();
  private final Reply<Void> reply =
      new Reply<>() {
        @Override
        public void ok(Void value) {
          throw new AssertionError("no answer expected");
        }

        @Override
        public void error(ServerError error) {
          answers.add(error);
        }
      };

  /** A loop that runs each task at once, on the caller's thread, as the simulation does. */
  private final CellGateway gateway =
      new CellGateway(
          task -> {
            task.accept(null);
            return true;
          },
          null,
          new GrpcErrors(Map.of()),
          3);

  @Test
  void aThrowingHandlerAnswersInternalAndStopsTheLoop() {
    IllegalStateException bug = new IllegalStateException("injected");
    IllegalStateException reached =
        assertThrows(
            IllegalStateException.class,
            () ->
                gateway.run(
                    reply,
                    cell -> {
                      throw bug;
                    }));
    assertSame(bug, reached);
    assertEquals(1, answers.size());
    assertEquals(ServerError.INTERNAL, answers.get(0).code());
  }

  @Test
  void aThrowingTaskWithoutCallerStopsTheLoop() {
    IllegalStateException bug = new IllegalStateException("injected");
    assertSame(
        bug,
        assertThrows(
            IllegalStateException.class,
            () ->
                gateway.submit(
                    cell -> {
                      throw bug;
                    })));
  }
}
