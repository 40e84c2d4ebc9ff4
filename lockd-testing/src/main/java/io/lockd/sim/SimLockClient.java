package io.lockd.sim;

import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.WatchKind;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.server.CellServer;
import io.lockd.server.EventSink;
import io.lockd.server.KeepAliveStream;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A simulated application using the lock service through the production server code: it keeps a
 * session alive over a KeepAlive stream (following leader hints), takes exclusive locks, uses a
 * fenced resource while it holds one, writes a watched node, and sometimes falls silent long enough
 * for its session to expire. Requests carry (session, sequence) and are retried with the same
 * sequence after a failover. It checks its own event stream: indexes strictly grow and the watched
 * node's content generations arrive without gaps unless the server says RESYNC.
 */
final class SimLockClient {
  static final String WATCHED = "/data/w";
  private static final long NET_MICROS = 300;
  private static final long RETRY_MICROS = 1_500_000;
  private static final long LEASE_MILLIS = 1_500;

  private final int id;
  private final SimCell cell;
  private final EventQueue events;
  private final SplittableRandom random;
  private final LockCheckers checkers;
  private final SimResource resource;
  private final List<String> locks;
  private int target;

  private long session;
  private long sequence;
  private long validUntil;
  private long lastSeen;
  private long lastContentGeneration = -1;
  private boolean silent;
  private boolean stopped;
  private boolean busy;
  private long generation; // bumped when the session is abandoned, to drop stale callbacks

  private KeepAliveStream stream;
  private int streamReplica;
  private long streamToken;
  private long lastAnswerAt;

  private String heldPath;
  private Sequencer held;
  private long waitingSequence;
  private String inFlight = "-";
  private Event earlyOutcome;
  private long acquiredCount;

  SimLockClient(
      int id,
      SimCell cell,
      SplittableRandom random,
      LockCheckers checkers,
      SimResource resource,
      List<String> locks) {
    this.id = id;
    this.cell = cell;
    this.events = cell.events;
    this.random = random;
    this.checkers = checkers;
    this.resource = resource;
    this.locks = locks;
    this.target = 1 + random.nextInt(cell.replicas.size());
  }

  void start() {
    keepAliveLoop();
    newSession();
  }

  void stop() {
    stopped = true;
    silent = false;
  }

  /** Idle: no request in flight and holds nothing. */
  boolean idle() {
    return !busy && held == null && waitingSequence == 0;
  }

  @Override
  public String toString() {
    return "client "
        + id
        + "{session="
        + session
        + " busy="
        + busy
        + " held="
        + heldPath
        + " waiting="
        + waitingSequence
        + " silent="
        + silent
        + " target="
        + target
        + " stream="
        + (stream != null)
        + "@"
        + streamReplica
        + " validUntil="
        + validUntil
        + " lastSeen="
        + lastSeen
        + " inFlight="
        + inFlight
        + "}";
  }

  long acquired() {
    return acquiredCount;
  }

  // ---- requests -----------------------------------------------------------------------------

  /**
   * Sends one request to the replica believed to lead; follows hints and retries the same request
   * after silence, until a final answer.
   */
  private <T> void call(
      BiConsumer<CellServer, Reply<T>> request, Consumer<T> ok, Consumer<ServerError> failed) {
    long gen = generation;
    long[] attempt = {0};
    inFlight = new Throwable().getStackTrace()[1].getMethodName();
    Runnable[] send = new Runnable[1];
    send[0] =
        () -> {
          if (gen != generation || attempt[0] < 0) {
            return; // a resend scheduled by a failed attempt, after another attempt was answered
          }
          long mine = ++attempt[0];
          SimReplica r = cell.replica(target);
          events.after(
              NET_MICROS,
              () ->
                  r.input(
                      () -> {
                        if (!(r.host() instanceof LockHost host) || host.server() == null) {
                          return;
                        }
                        request.accept(
                            host.server(),
                            new Reply<T>() {
                              @Override
                              public void ok(T value) {
                                events.after(
                                    NET_MICROS,
                                    () -> {
                                      if (gen == generation && attempt[0] == mine) {
                                        attempt[0] = -1;
                                        inFlight = "-";
                                        ok.accept(value);
                                      }
                                    });
                              }

                              @Override
                              public void error(ServerError error) {
                                events.after(
                                    NET_MICROS,
                                    () -> {
                                      if (gen != generation || attempt[0] != mine) {
                                        return;
                                      }
                                      if (error.code() == ServerError.UNAVAILABLE) {
                                        retarget(error.leaderHint());
                                        events.after(random.nextLong(1_000, 20_000), send[0]);
                                      } else {
                                        attempt[0] = -1;
                                        inFlight = "-";
                                        failed.accept(error);
                                      }
                                    });
                              }
                            });
                      }));
          events.after(
              RETRY_MICROS,
              () -> {
                if (gen == generation && attempt[0] == mine) {
                  retarget(-1);
                  send[0].run();
                }
              });
        };
    send[0].run();
  }

  private RequestHeader header() {
    return RequestHeader.newBuilder().setSessionId(session).setSequence(++sequence).build();
  }

  private void retarget(int hint) {
    target = hint > 0 ? hint : 1 + random.nextInt(cell.replicas.size());
  }

  // ---- session ------------------------------------------------------------------------------

  private void newSession() {
    if (stopped) {
      busy = false;
      return;
    }
    busy = true;
    session = 0;
    this.<io.lockd.proto.v1.CreateSessionResponse>call(
        (s, reply) ->
            s.createSession(
                CreateSessionRequest.newBuilder()
                    .setRequestedLeaseMillis(LEASE_MILLIS)
                    .setClientName("sim-" + id)
                    .build(),
                reply),
        created -> {
          session = created.getSessionId();
          sequence = 0;
          lastSeen = created.getIndex();
          lastContentGeneration = -1;
          validUntil = events.nowMicros();
          checkers.sessionCreated(session);
          createEphemeral();
        },
        error -> retryLater(this::newSession));
  }

  private void createEphemeral() {
    String path = "/eph/c" + id + "-" + session;
    long forSession = session;
    RequestHeader h = header();
    this.<io.lockd.proto.v1.CreateNodeResponse>call(
        (s, reply) ->
            s.createNode(
                CreateNodeRequest.newBuilder()
                    .setHeader(h)
                    .setPath(path)
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .setEphemeral(true)
                    .build(),
                reply),
        created -> {
          checkers.ephemeralCreated(forSession, path);
          watch();
        },
        this::lostSession);
  }

  private void watch() {
    RequestHeader h = header();
    this.<io.lockd.proto.v1.WatchResponse>call(
        (s, reply) ->
            s.watch(
                WatchRequest.newBuilder()
                    .setHeader(h)
                    .setPath(WATCHED)
                    .setKind(WatchKind.WATCH_KIND_CONTENTS)
                    .build(),
                reply),
        watching -> idleThenWork(),
        this::lostSession);
  }

  /** A refusal that means the session is gone (expired while silent): start over. */
  private void lostSession(ServerError error) {
    abandonSession();
  }

  private void abandonSession() {
    generation++;
    heldPath = null;
    held = null;
    waitingSequence = 0;
    closeStream();
    retryLater(this::newSession);
  }

  private void retryLater(Runnable action) {
    busy = false;
    if (!stopped) {
      busy = true;
      long gen = generation;
      events.after(
          random.nextLong(10_000, 200_000),
          () -> {
            if (gen == generation) {
              action.run();
            }
          });
    }
  }

  // ---- keepalive ----------------------------------------------------------------------------

  private void keepAliveLoop() {
    events.after(
        LEASE_MILLIS * 1000 / 5,
        () -> {
          if (session != 0 && !silent) {
            sendKeepAlive();
          }
          keepAliveLoop();
        });
  }

  private void sendKeepAlive() {
    if (stream != null && events.nowMicros() - lastAnswerAt > LEASE_MILLIS * 1000) {
      closeStream(); // silence: assume that replica is gone and look elsewhere
      retarget(-1);
    }
    if (stream == null) {
      openStream(cell.replica(target));
    }
    KeepAliveStream s = stream;
    if (s == null) {
      return; // that replica is down: the silence check above moves on
    }
    KeepAliveRequest request =
        KeepAliveRequest.newBuilder().setSessionId(session).setLastSeenEventIndex(lastSeen).build();
    SimReplica on = cell.replica(streamReplica);
    events.after(NET_MICROS, () -> on.input(() -> s.onRequest(request)));
  }

  private void openStream(SimReplica r) {
    long token = ++streamToken;
    lastAnswerAt = events.nowMicros();
    streamReplica = r.id;
    EventSink sink =
        new EventSink() {
          @Override
          public boolean ready() {
            return true;
          }

          @Override
          public void send(KeepAliveResponse response) {
            events.after(NET_MICROS, () -> onKeepAlive(token, response));
          }

          @Override
          public boolean closed() {
            return token != streamToken;
          }

          @Override
          public void close(ServerError error) {
            events.after(NET_MICROS, () -> onStreamClosed(token, error));
          }
        };
    KeepAliveStream[] opened = new KeepAliveStream[1];
    r.input(
        () -> {
          if (r.host() instanceof LockHost host && host.server() != null) {
            opened[0] = host.server().openKeepAlive(sink);
          }
        });
    stream = opened[0];
  }

  private void closeStream() {
    streamToken++;
    stream = null;
  }

  private void onStreamClosed(long token, ServerError error) {
    if (token != streamToken) {
      return;
    }
    closeStream();
    if (error != null && error.code() == ServerError.UNAVAILABLE) {
      retarget(error.leaderHint());
      return;
    }
    // The session ended (SESSION_EXPIRED was the last event) or was refused.
    if (!silent) {
      abandonSession();
    }
  }

  private void onKeepAlive(long token, KeepAliveResponse response) {
    if (token != streamToken || response.getSessionId() != session) {
      return;
    }
    lastAnswerAt = events.nowMicros();
    long generatedAt = events.nowMicros() - NET_MICROS;
    // The rule lock-client uses: shorten by the drift bound both ways, and by the millisecond
    // the leader's clock reading may be behind.
    double drift = SimCell.DRIFT_BOUND;
    long usableMillis =
        (long) Math.floor(response.getLeaseRemainingMillis() * (1 - drift) / (1 + drift)) - 1;
    long until = generatedAt + Math.max(0, usableMillis) * 1000;
    validUntil = Math.max(validUntil, until);
    checkers.leaseView(session, generatedAt, until);
    long before = lastSeen;
    long previous = before;
    for (Event e : response.getEventsList()) {
      if (Boolean.getBoolean("sim.trace")) {
        System.out.println(
            "client "
                + id
                + " t="
                + events.nowMicros()
                + " event "
                + e.getIndex()
                + " "
                + e.getType()
                + " "
                + e.getPath()
                + " g="
                + e.getContentGeneration());
      }
      // Events that arose from one command share its index and always come together.
      onEvent(e, e.getIndex() == previous && previous > before);
      previous = e.getIndex();
    }
  }

  private void onEvent(Event e, boolean sameCommandAsPrevious) {
    switch (e.getType()) {
      case EVENT_TYPE_LEADER_CHANGED -> {
        return; // informational, carries the client's own index
      }
      case EVENT_TYPE_RESYNC -> {
        lastContentGeneration = -1;
        lastSeen = Math.max(lastSeen, e.getIndex());
        return;
      }
      case EVENT_TYPE_SESSION_EXPIRED -> {
        return; // the stream closes next
      }
      default -> {}
    }
    if (e.getIndex() < lastSeen || (e.getIndex() == lastSeen && !sameCommandAsPrevious)) {
      throw new Violation(
          "events: client "
              + id
              + " session "
              + session
              + " got index "
              + e.getIndex()
              + " after "
              + lastSeen
              + " ("
              + e.getType()
              + ")");
    }
    lastSeen = e.getIndex();
    if (e.getType() == EventType.EVENT_TYPE_CONTENTS_CHANGED && e.getPath().equals(WATCHED)) {
      long g = e.getContentGeneration();
      if (lastContentGeneration >= 0 && g != lastContentGeneration + 1) {
        throw new Violation(
            "events: client "
                + id
                + " saw content generation "
                + g
                + " of "
                + WATCHED
                + " after "
                + lastContentGeneration
                + " with no RESYNC between");
      }
      lastContentGeneration = g;
    } else if (isOutcome(e)) {
      if (e.getRequestSequence() == waitingSequence) {
        outcome(e);
      } else {
        earlyOutcome = e; // may arrive before the answer that said "queued"
      }
    }
  }

  private static boolean isOutcome(Event e) {
    return e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED
        || e.getType() == EventType.EVENT_TYPE_LOCK_WAIT_TIMED_OUT
        || e.getType() == EventType.EVENT_TYPE_LOCK_WAIT_CANCELLED;
  }

  private void outcome(Event e) {
    waitingSequence = 0;
    earlyOutcome = null;
    if (e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED) {
      hold(e.getSequencer());
    } else {
      idleThenWork();
    }
  }

  // ---- locks and the resource ---------------------------------------------------------------

  private void idleThenWork() {
    busy = false;
    if (stopped) {
      return;
    }
    long gen = generation;
    events.after(
        random.nextLong(1_000, 100_000),
        () -> {
          if (gen == generation && !stopped) {
            acquire();
          }
        });
  }

  private void acquire() {
    busy = true;
    String path = locks.get(random.nextInt(locks.size()));
    RequestHeader h = header();
    this.<AcquireResponse>call(
        (s, reply) ->
            s.acquire(
                AcquireRequest.newBuilder()
                    .setHeader(h)
                    .setPath(path)
                    .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                    .setWaitMillis(2_000)
                    .build(),
                reply),
        (AcquireResponse r) -> {
          busy = false;
          if (r.hasGranted()) {
            hold(r.getGranted());
          } else {
            waitingSequence = h.getSequence();
            if (earlyOutcome != null && earlyOutcome.getRequestSequence() == waitingSequence) {
              outcome(earlyOutcome);
            }
          }
        },
        this::lostSession);
  }

  private void hold(Sequencer sequencer) {
    held = sequencer;
    heldPath = sequencer.getPath();
    acquiredCount++;
    useResource();
    if (random.nextInt(12) == 0) {
      goSilent();
      return;
    }
    long gen = generation;
    events.after(
        random.nextLong(1_000, 300_000),
        () -> {
          if (gen == generation) {
            useResource();
            maybeWrite();
          }
        });
  }

  private void useResource() {
    boolean leaseValid = events.nowMicros() < validUntil;
    if (held != null && leaseValid && !resource.use(session, held)) {
      checkers.fenced(session, heldPath, held.getLockGeneration(), events.nowMicros() < validUntil);
    }
  }

  private void maybeWrite() {
    if (random.nextBoolean()) {
      busy = true;
      RequestHeader h = header(); // the same sequence number on every attempt: exactly once
      this.<io.lockd.proto.v1.SetContentsResponse>call(
          (s, reply) ->
              s.setContents(
                  SetContentsRequest.newBuilder()
                      .setHeader(h)
                      .setPath(WATCHED)
                      .setContents(com.google.protobuf.ByteString.copyFromUtf8("from " + id))
                      .build(),
                  reply),
          written -> release(),
          this::lostSession);
    } else {
      release();
    }
  }

  private void release() {
    busy = true;
    String path = heldPath;
    useResource();
    RequestHeader h = header();
    this.<io.lockd.proto.v1.ReleaseResponse>call(
        (s, reply) ->
            s.release(ReleaseRequest.newBuilder().setHeader(h).setPath(path).build(), reply),
        released -> {
          held = null;
          heldPath = null;
          idleThenWork();
        },
        this::lostSession);
  }

  /** A long pause (a GC, a partition of the client): no keepalives, so the session expires. */
  private void goSilent() {
    silent = true;
    long gen = generation;
    events.after(
        random.nextLong(3_000_000, 6_000_000),
        () -> {
          silent = false;
          if (gen == generation) {
            // Whatever it held is gone now; a careful client checks its lease before acting.
            useResource();
            abandonSession();
          }
        });
  }
}
