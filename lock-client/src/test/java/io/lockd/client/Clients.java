package io.lockd.client;

import io.lockd.testing.InJvmCell;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Builds clients for tests: quick retries (a test should not wait out production backoff), a fixed
 * seed, and bounds that end a stuck call well within a test's own bounded waits.
 */
public final class Clients {
  private Clients() {}

  /** A client of the real cell {@code cell} (its replicas' client ports on loopback). */
  public static LockClient.Builder builder(InJvmCell cell) {
    return testSettings(LockClient.builder().endpoints(cell.endpoints()));
  }

  public static LockClient client(InJvmCell cell) {
    return builder(cell).build();
  }

  public static LockClient client(InJvmCell cell, UnaryOperator<LockClient.Builder> tweak) {
    return tweak.apply(builder(cell)).build();
  }

  private static LockClient.Builder testSettings(LockClient.Builder b) {
    return b.clientName("test")
        .attemptTimeout(Duration.ofSeconds(2))
        .operationTimeout(Duration.ofSeconds(10))
        .backoff(Duration.ofMillis(5), Duration.ofMillis(50))
        .seed(42);
  }
}
