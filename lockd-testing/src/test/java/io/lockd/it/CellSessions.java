package io.lockd.it;

import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sessions a five-process test opens through its raw gRPC {@link CellClient}: each kept alive
 * by a {@link SessionKeeper}, with the sequence numbers of its requests (exactly-once), and all
 * closed together at the end.
 */
final class CellSessions implements AutoCloseable {
  private final CellClient client;
  private final long leaseMillis;
  private final long attemptMillis;
  private final long callMillis;
  private final long lifetimeMillis;
  private final List<SessionKeeper> keepers = new CopyOnWriteArrayList<>();
  private final Map<Long, AtomicLong> sequences = new ConcurrentHashMap<>();

  /**
   * Sessions of {@code leaseMillis}, each call attempt bounded by {@code attemptMillis} and retried
   * (through other members) for {@code callMillis}; keepers stop after {@code lifetimeMillis}.
   */
  CellSessions(
      CellClient client,
      long leaseMillis,
      long attemptMillis,
      long callMillis,
      long lifetimeMillis) {
    this.client = client;
    this.leaseMillis = leaseMillis;
    this.attemptMillis = attemptMillis;
    this.callMillis = callMillis;
    this.lifetimeMillis = lifetimeMillis;
  }

  /** Creates a session and keeps it alive, renewing every quarter of its lease. */
  SessionKeeper open(String name) throws InterruptedException {
    CreateSessionRequest r =
        CreateSessionRequest.newBuilder()
            .setClientName(name)
            .setRequestedLeaseMillis(leaseMillis)
            .build();
    long id =
        client
            .call(
                ch ->
                    SessionGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(attemptMillis, TimeUnit.MILLISECONDS)
                        .createSession(r),
                callMillis)
            .getSessionId();
    sequences.put(id, new AtomicLong());
    SessionKeeper k = new SessionKeeper(client, id, leaseMillis / 4, lifetimeMillis);
    keepers.add(k);
    return k;
  }

  /** The header of the session's next request (its sequence number grows by one). */
  RequestHeader header(SessionKeeper session) {
    return RequestHeader.newBuilder()
        .setSessionId(session.sessionId)
        .setSequence(sequences.get(session.sessionId).incrementAndGet())
        .build();
  }

  /** The sequence number of the session's latest request. */
  long lastSequence(SessionKeeper session) {
    return sequences.get(session.sessionId).get();
  }

  /** Every session opened, in order. */
  List<SessionKeeper> all() {
    return keepers;
  }

  @Override
  public void close() {
    keepers.forEach(SessionKeeper::close);
  }
}
