package io.lockd.client;

import io.lockd.namespace.Namespace;
import io.lockd.testing.ClientPortFaults;
import io.lockd.testing.InJvmCell;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test against a fresh real cell in this JVM (production replicas, server and gRPC services on
 * loopback ports, {@link InJvmCell}) that has a leader before the test starts, closed after each
 * test. Faults are injected at the replicas' client ports ({@link ClientPortFaults}); the cell runs
 * in real time, so tests wait (bounded) for what it does, and what a test checks on the server side
 * it reads from the leader's own state.
 */
abstract class RealCellTest {
  protected InJvmCell cell;
  protected ClientPortFaults faults;

  @BeforeEach
  void startCell() throws Exception {
    cell = newCell().start();
    faults = cell.faults();
    cell.awaitLeader();
  }

  /** The cell to run against; override for another size or other settings. */
  protected InJvmCell.Builder newCell() {
    return InJvmCell.builder().size(3);
  }

  @AfterEach
  void stopCell() {
    cell.close();
  }

  /** The id of the replica that serves as leader now (waits, bounded, for one). */
  protected int leaderId() {
    try {
      return cell.awaitLeader().selfId();
    } catch (Exception e) {
      throw new AssertionError("no leader", e);
    }
  }

  /**
   * The cell's client endpoints, the leader's first: a client's first request then needs no
   * redirect (tests that count a client's channels rely on it).
   */
  protected List<String> endpointsLeaderFirst() {
    String leader = cell.endpoint(leaderId());
    List<String> endpoints = new ArrayList<>(cell.endpoints());
    endpoints.remove(leader);
    endpoints.add(0, leader);
    return endpoints;
  }

  /** A client with the tests' quick settings, its first request going to the leader. */
  protected LockClient client() {
    return client(UnaryOperator.identity());
  }

  protected LockClient client(UnaryOperator<LockClient.Builder> tweak) {
    return tweak.apply(Clients.builder(cell).endpoints(endpointsLeaderFirst())).build();
  }

  /** Reads what the cell's leader has applied (on its own thread), bypassing the client. */
  protected <T> T read(Function<Namespace, T> query) {
    try {
      return cell.readLeader(query);
    } catch (Exception e) {
      throw new AssertionError("reading the leader's namespace failed", e);
    }
  }

  /** Moves leadership as a crash would (the leader stops; the old one comes back as follower). */
  protected void moveLeader() {
    try {
      cell.moveLeader();
    } catch (Exception e) {
      throw new AssertionError("leadership did not move", e);
    }
  }

  /** Ends a session as an operator does (ForceCloseSession: lock-delay applies). */
  protected void forceClose(long sessionId) {
    try (LockClient admin = Clients.client(cell)) {
      admin.admin().forceCloseSession(sessionId);
    }
  }
}
