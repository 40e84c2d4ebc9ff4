package io.lockd.client;

import java.time.Duration;
import java.util.function.UnaryOperator;

/** Builds clients wired to a {@link FakeCell}. */
final class Clients {
  private Clients() {}

  static LockClient.Builder builder(FakeCell cell) {
    return LockClient.builder()
        .endpoints(cell.addresses())
        .channelFactory(cell.channels())
        .clientName("test")
        .attemptTimeout(Duration.ofSeconds(2))
        .operationTimeout(Duration.ofSeconds(10))
        .backoff(Duration.ofMillis(5), Duration.ofMillis(50))
        .seed(42);
  }

  static LockClient client(FakeCell cell) {
    return builder(cell).build();
  }

  static LockClient client(FakeCell cell, UnaryOperator<LockClient.Builder> tweak) {
    return tweak.apply(builder(cell)).build();
  }
}
