package io.lockd.client;

import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes on the cell a session its client has already given up on: its close was not confirmed
 * within the operation timeout, or no leader answered within the jeopardy grace. The application
 * has been told the session is over, but until the cell hears so the session's locks stay held
 * against every other client, for its lease or a new leader's failover grace after a leader is
 * back. So one CloseSession keeps being tried, through every replica with the client's backoff, and
 * goes through as soon as a leader answers; it stops after the longer of the operation timeout and
 * the jeopardy grace (the cell then ends the session by itself), or when the client closes.
 * Releasing by close rather than expiry skips the lock-delay: safe, since the client stopped
 * counting on the session before it gave up on it. Loop thread only.
 */
final class SessionFarewell {
  private static final Logger log = LoggerFactory.getLogger(SessionFarewell.class);

  private SessionFarewell() {}

  /**
   * Starts the close. {@code sequence} must be above every number the session used: a request still
   * in flight under an older number then cannot be confused with this one.
   */
  static void send(ClientContext ctx, long sessionId, long sequence) {
    long bound = Math.max(ctx.operationTimeoutNanos, ctx.graceNanos);
    CloseSessionRequest request =
        CloseSessionRequest.newBuilder()
            .setHeader(RequestHeader.newBuilder().setSessionId(sessionId).setSequence(sequence))
            .build();
    log.debug("session {}: closing it on the cell once a leader answers", sessionId);
    ctx.rpc.start(
        SessionGrpc.getCloseSessionMethod(),
        request,
        true,
        ctx.clock.nanoTime() + bound,
        (CloseSessionResponse answer, LockdException error) -> {
          if (error == null) {
            log.info(
                "session {}: closed on the cell after the client had given up on it", sessionId);
          } else if (!(error instanceof SessionExpiredException)) {
            log.info(
                "session {}: could not close it on the cell ({}); the cell will expire it",
                sessionId,
                error.getMessage());
          }
        });
  }
}
