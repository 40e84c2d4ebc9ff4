package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** Which failures the client retries (at another replica, with the same sequence number). */
class ErrorsTest {
  @Test
  void aConnectionThatBrokeWhileTheCallWasWrittenIsRetried() {
    // What grpc-netty reports when the leader is killed mid-write (seen in
    // FiveProcessFailoverTest).
    assertTrue(
        Errors.retryable(
            Status.UNKNOWN
                .withDescription("channel closed")
                .withCause(new ClosedChannelException())));
    assertTrue(Errors.retryable(Status.UNAVAILABLE));
    assertTrue(Errors.retryable(Status.DEADLINE_EXCEEDED));
  }

  @Test
  void refusalsAndServerFaultsAreNotRetried() {
    assertFalse(Errors.retryable(Status.UNKNOWN.withDescription("a bug in the server")));
    assertFalse(Errors.retryable(Status.FAILED_PRECONDITION));
    assertFalse(Errors.retryable(Status.INVALID_ARGUMENT));
    assertFalse(Errors.retryable(Status.NOT_FOUND));
  }
}
