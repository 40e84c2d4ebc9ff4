package io.lockd.server.grpc;

import io.lockd.proto.v1.ErrorReason;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission at the client port for the work that comes in storms: session creations and the opening
 * of KeepAlive streams. Each kind has a bound on how many may be in progress at once (a creation
 * until it is answered, an opening until the loop has served its first request); beyond it the
 * request is refused at once, on the gRPC thread, with RESOURCE_EXHAUSTED (reason BUSY) naming the
 * limit. A refusal costs the loop nothing.
 *
 * <p>Why: after a leader change every KeepAlive stream reconnects to the new leader at once. In a
 * diagnostic run with 30,000 sessions, 21,895 tasks waited in the new leader's loop, its heartbeats
 * with them, and it lost its lease within seconds; so did the next one. Bounded, the surplus waits
 * in the clients' jittered backoff instead of in the leader's queue.
 */
final class Admission {
  private final int selfId;
  private final Gate creations;
  private final Gate openings;

  Admission(int selfId, int maxCreationsInFlight, int maxOpeningsInFlight) {
    this.selfId = selfId;
    this.creations =
        new Gate(
            maxCreationsInFlight,
            "session creations are in progress, the most --max-session-creations-in-flight"
                + " allows");
    this.openings =
        new Gate(
            maxOpeningsInFlight,
            "KeepAlive streams are being opened, the most --max-keepalive-openings-in-flight"
                + " allows");
  }

  /**
   * Null if a creation may start (then {@link #creationDone} must follow once), else the refusal.
   */
  ServerError admitCreation() {
    return creations.admit(selfId);
  }

  void creationDone() {
    creations.done();
  }

  /** Null if a stream may open (then {@link #openingDone} must follow once), else the refusal. */
  ServerError admitOpening() {
    return openings.admit(selfId);
  }

  void openingDone() {
    openings.done();
  }

  /** {@code reply}, which also ends an admitted creation when it is answered. */
  static <T> Reply<T> counted(Reply<T> reply, Admission admission) {
    return new Reply<>() {
      @Override
      public void ok(T value) {
        admission.creationDone();
        reply.ok(value);
      }

      @Override
      public void error(ServerError error) {
        admission.creationDone();
        reply.error(error);
      }
    };
  }

  /** One bounded count of work in progress. */
  private static final class Gate {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int max;
    private final String what;

    Gate(int max, String what) {
      this.max = max;
      this.what = what;
    }

    ServerError admit(int selfId) {
      if (inFlight.incrementAndGet() <= max) {
        return null;
      }
      inFlight.decrementAndGet();
      return new ServerError(
          ServerError.RESOURCE_EXHAUSTED,
          ErrorReason.ERROR_REASON_BUSY,
          "replica "
              + selfId
              + " is busy: "
              + max
              + " "
              + what
              + "; nothing was done: retry after a short, jittered backoff",
          ServerError.NO_HINT);
    }

    void done() {
      inFlight.decrementAndGet();
    }
  }
}
