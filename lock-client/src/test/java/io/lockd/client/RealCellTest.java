package io.lockd.client;

import io.lockd.namespace.Namespace;
import io.lockd.testing.ClientPortFaults;
import io.lockd.testing.InJvmCell;
import io.lockd.testing.InJvmCell.Builder;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test against a fresh real cell in this JVM (production replicas, server and gRPC services on
 * loopback ports), closed after each test. Faults are injected at the replicas' client ports
 * ({@link ClientPortFaults}); the cell runs in real time, so tests wait (bounded) for what it does.
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

  /** The cell to run against; override for another size or other limits. */
  protected Builder newCell() {
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

  /** Reads what the cell's leader has applied, bypassing the client under test. */
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
