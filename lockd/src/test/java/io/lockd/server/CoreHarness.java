package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.RequestHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** A {@link CellServer} over a {@link FakeReplica}, stepped by hand. */
final class CoreHarness {
  final Namespace namespace;
  final FakeReplica replica;
  final CellServer server;
  private final TreeMap<Long, Long> sequences = new TreeMap<>();

  CoreHarness(long graceMillis) {
    this(
        graceMillis,
        NamespaceLimits.builder()
            .minLeaseMillis(100)
            .leaseDefaultMillis(1_000)
            .maxWaitersPerLock(2)
            .lockDelayDefaultMillis(0)
            .build());
  }

  CoreHarness(long graceMillis, NamespaceLimits limits) {
    namespace = new Namespace(limits);
    replica = new FakeReplica(namespace);
    server =
        new CellServer(
            replica,
            namespace,
            replica.wall(),
            ServerConfig.defaults().withGraceMillis(graceMillis),
            ServerEvents.NONE);
    server.onTick(); // notices the leadership
  }

  /** Runs the leader's duties, applies what they proposed, pushes events; repeats until quiet. */
  void step() {
    for (int i = 0; i < 10; i++) {
      server.onTick();
      if (replica.applyAll() == 0) {
        return;
      }
      server.onApplied();
    }
  }

  void advance(long millis) {
    replica.advance(millis);
    step();
  }

  /** Applies queued proposals and tells the server. */
  void apply() {
    replica.applyAll();
    server.onApplied();
  }

  long createSession(long leaseMillis) {
    Captured<io.lockd.proto.v1.CreateSessionResponse> c = new Captured<>();
    server.createSession(
        "",
        CreateSessionRequest.newBuilder()
            .setRequestedLeaseMillis(leaseMillis)
            .setClientName("test")
            .build(),
        c);
    apply();
    return c.ok().getSessionId();
  }

  /** The next request header of a session (sequence numbers grow by one). */
  RequestHeader next(long session) {
    long seq = sequences.merge(session, 1L, Long::sum);
    return RequestHeader.newBuilder().setSessionId(session).setSequence(seq).build();
  }

  /** The last header used again (a retry). */
  RequestHeader same(long session) {
    return RequestHeader.newBuilder()
        .setSessionId(session)
        .setSequence(sequences.get(session))
        .build();
  }

  Sink stream(long session, long lastSeen) {
    Sink sink = new Sink();
    sink.stream = server.openKeepAlive("", sink);
    sink.keepAlive(session, lastSeen);
    return sink;
  }

  /** Captures one reply. */
  static final class Captured<T> implements Reply<T> {
    T value;
    ServerError error;
    int calls;

    @Override
    public void ok(T v) {
      value = v;
      calls++;
    }

    @Override
    public void error(ServerError e) {
      error = e;
      calls++;
    }

    T ok() {
      assertNull(error, () -> "unexpected error: " + error);
      assertEquals(1, calls);
      return value;
    }

    ServerError failed() {
      assertNotNull(error, () -> "expected an error, got " + value);
      assertEquals(1, calls);
      return error;
    }
  }

  /** A KeepAlive stream's sending half that records what it was sent. */
  static final class Sink implements EventSink {
    final List<KeepAliveResponse> responses = new ArrayList<>();
    KeepAliveStream stream;
    boolean ready = true;
    boolean closed;
    ServerError closeError;

    void keepAlive(long session, long lastSeen) {
      stream.onRequest(
          KeepAliveRequest.newBuilder()
              .setSessionId(session)
              .setLastSeenEventIndex(lastSeen)
              .build());
    }

    List<Event> events() {
      List<Event> out = new ArrayList<>();
      responses.forEach(r -> out.addAll(r.getEventsList()));
      return out;
    }

    long lastIndex() {
      return events().stream().mapToLong(Event::getIndex).max().orElse(0);
    }

    @Override
    public boolean ready() {
      return ready;
    }

    @Override
    public void send(KeepAliveResponse response) {
      responses.add(response);
    }

    @Override
    public void close(ServerError error) {
      closed = true;
      closeError = error;
    }
  }
}
