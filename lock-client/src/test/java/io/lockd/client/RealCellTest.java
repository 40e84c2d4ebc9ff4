package io.lockd.client;

import io.lockd.namespace.Namespace;
import io.lockd.server.grpc.LockdServer;
import io.lockd.testing.InJvmCell;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test with a fresh real cell (three production replicas in this JVM, {@link InJvmCell}) that has
 * a leader before the test starts, closed after each test. The server runs in real time; what a
 * test checks on the server side it reads from the leader's own state.
 */
abstract class RealCellTest {
  private static final long READ_MILLIS = 5_000;

  protected InJvmCell cell;

  @BeforeEach
  void startCell() throws Exception {
    cell = newCell().start();
    cell.awaitLeader();
  }

  /** The cell to run against; override for other settings. */
  protected InJvmCell.Builder newCell() {
    return InJvmCell.builder().size(3);
  }

  @AfterEach
  void stopCell() {
    cell.close();
  }

  /**
   * The cell's client endpoints, the leader's first: a client's first request then needs no
   * redirect (tests that count a client's channels rely on it).
   */
  protected List<String> endpointsLeaderFirst() throws Exception {
    String leader = cell.endpoint(cell.awaitLeader().selfId());
    List<String> endpoints = new ArrayList<>(cell.endpoints());
    endpoints.remove(leader);
    endpoints.add(0, leader);
    return endpoints;
  }

  /** A client with the tests' quick settings, its first request going to the leader. */
  protected LockClient client() throws Exception {
    return client(UnaryOperator.identity());
  }

  protected LockClient client(UnaryOperator<LockClient.Builder> tweak) throws Exception {
    return tweak.apply(Clients.builder(cell).endpoints(endpointsLeaderFirst())).build();
  }

  /** Reads the leader's namespace on its own thread (it has applied whatever it answered). */
  protected <T> T leaderRead(Function<Namespace, T> query) {
    try {
      LockdServer leader = cell.awaitLeader();
      return leader.onLoop(c -> c.readLocal(query), READ_MILLIS);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not read the leader's state", e);
    }
  }
}
