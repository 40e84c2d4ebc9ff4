package io.lockd.client.sim;

import io.grpc.Status;
import io.lockd.client.AsyncLockClient;
import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.LockListener;
import io.lockd.client.LockLossReason;
import io.lockd.client.LockMode;
import io.lockd.client.LockdException;
import io.lockd.client.Sequencer;
import io.lockd.client.Session;
import io.lockd.client.SessionState;
import io.lockd.client.SimClients;
import io.lockd.client.WatchKind;
import io.lockd.sim.EventQueue;
import io.lockd.sim.LockCheckers;
import io.lockd.sim.SimResource;
import io.lockd.sim.Violation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.random.RandomGenerator;

/**
 * A simulated application on one client process, written as a user of the library would write it:
 * it takes exclusive locks with the real {@link DistributedLock} (try, bounded and endless waits),
 * uses a fenced resource ({@link SimResource}) only while {@link DistributedLock#isHeld} says it
 * holds the lock, passing the lock's sequencer, sometimes writes a node or creates an ephemeral
 * one, and releases; it also reads that node, and a client that caches reads it on its own too
 * ({@link #reader}). Everything goes through the asynchronous API and runs on the client's event
 * thread (future continuations, its own timers); the library opens a new session after one expires.
 *
 * <p>What it checks: the resource never has to refuse this client while the client, running and
 * caught up after any pause, says it holds the lock (someone else was granted it under a lease the
 * client still counted on); and {@link #checkNotClaiming}, called when a leader proposes to expire
 * a session: the client must not still call that session CONNECTED or say it holds a lock in it. No
 * read may return contents older than a write some client saw acknowledged before the read began
 * (the consistent cache's promise, and linearizable reads'). Answers the cell should never give
 * (INTERNAL, UNKNOWN) are violations too. In every session it watches the data node's contents, one
 * lock's holders and the ephemeral folder's children, and {@link EventOrder} checks what the client
 * delivers there.
 */
final class SimApp {
  static final List<String> LOCKS = List.of("/locks/a", "/locks/b", "/locks/c");
  static final String DATA = "/data/w";

  /** The newest content generation of {@link #DATA} whose write some client saw acknowledged. */
  static final class Acknowledged {
    long generation;
  }

  final int id;
  final ClientProcess process;
  final LockClient client;
  private final AsyncLockClient async;
  private final EventQueue events;
  private final RandomGenerator random;
  private final SimResource resource;
  private final LockCheckers checkers;
  private final Trace trace;
  private final Acknowledged acknowledged;
  private final Map<String, DistributedLock> locks = new TreeMap<>();
  private final TreeSet<Long> sessions = new TreeSet<>();
  private final TreeSet<Long> withEphemeral = new TreeSet<>();
  private boolean busy;
  private boolean readerBusy;
  private boolean probeBusy;
  final AclProbes probes;
  private final List<EventOrder> watched = new ArrayList<>();
  private long watchedSession;
  private boolean watching;

  /** Whether the application also reads on its own (the clients that cache do). */
  boolean reader;

  private boolean stopped;
  private String op = "-";

  /** A stop-the-world pause the fault plan may put right here (nothing once faults are off). */
  Runnable gcPause = () -> {};

  long acquired;
  long acquiredSinceMark;
  long refused;
  long reads;

  SimApp(
      int id,
      ClientProcess process,
      LockClient client,
      EventQueue events,
      RandomGenerator random,
      SimResource resource,
      LockCheckers checkers,
      Trace trace,
      Acknowledged acknowledged) {
    this.id = id;
    this.process = process;
    this.client = client;
    this.async = client.async();
    this.events = events;
    this.random = random;
    this.resource = resource;
    this.checkers = checkers;
    this.trace = trace;
    this.acknowledged = acknowledged;
    this.probes =
        new AclProbes(async, random, ClientSimulation.CLIENTS, (what, e) -> failed(what, e));
  }

  void start() {
    process.callbacks.execute(this::next);
    if (reader) {
      readerBusy = true;
      process.later(random.nextLong(1_000, 300_000), this::readAgain);
    }
    probeBusy = true;
    process.later(random.nextLong(1_000, 500_000), this::probeAgain);
  }

  /** ACL changes and checked operations under /acl ({@link AclProbes}), now and then. */
  private void probeAgain() {
    if (stopped) {
      probeBusy = false;
      return;
    }
    probes.one(
        () -> guarded(() -> process.later(random.nextLong(1_000, 500_000), this::probeAgain)));
  }

  /**
   * A second activity of the application, beside its locks: it reads the data node every now and
   * then, whatever the first is doing (waiting for a lock, stuck behind a partition), so reads meet
   * the cache in every state of the session.
   */
  private void readAgain() {
    if (stopped) {
      readerBusy = false;
      return;
    }
    read(1, () -> process.later(random.nextLong(1_000, 300_000), this::readAgain));
  }

  /** No new operations after the current one. */
  void stop() {
    stopped = true;
  }

  /** Not in the middle of an operation (and holding nothing, since it releases before idling). */
  boolean idle() {
    return !busy && !readerBusy && !probeBusy;
  }

  long sessions() {
    return sessions.size();
  }

  @Override
  public String toString() {
    Session s = SimClients.currentSession(client);
    return "app "
        + id
        + "{busy="
        + busy
        + " stopped="
        + stopped
        + " paused="
        + process.paused()
        + " session="
        + (s == null ? "-" : s.id() + "/" + s.state())
        + " locks="
        + locks.values()
        + " acquired="
        + acquired
        + " op="
        + op
        + "}";
  }

  // ---- the application's loop (event thread) ----------------------------------------------------

  private void next() {
    busy = false;
    if (stopped) {
      return;
    }
    busy = true;
    keepWatching();
    int kind = random.nextInt(8);
    if (kind == 0) {
      write(this::done);
    } else if (kind == 1) {
      op = "read at t=" + events.nowMicros();
      read(1 + random.nextInt(3), this::done);
    } else {
      acquire();
    }
  }

  /**
   * Watches the data node, a lock and the ephemeral folder in the current session, once per
   * session: a watch ends with its session, and the application watches again in the next one.
   */
  private void keepWatching() {
    Session s = session();
    if (s == null || s.id() == watchedSession || watching) {
      return;
    }
    watching = true;
    EventOrder order = new EventOrder(id, s.id(), trace);
    watched.add(order);
    String lock = LOCKS.get(id % LOCKS.size());
    async
        .watch(DATA, WatchKind.CONTENTS, order.watch(DATA))
        .thenCompose(w -> async.watch(lock, WatchKind.LOCK, order.watch(lock)))
        .thenCompose(w -> async.watch("/eph", WatchKind.CHILDREN, order.watch("/eph")))
        .whenComplete(
            (w, error) ->
                guarded(
                    () -> {
                      watching = false;
                      if (error == null) {
                        watchedSession = s.id();
                      } else {
                        failed("watch", error);
                      }
                    }));
  }

  /** Watch events delivered to this application, and RESYNCs among them. */
  long[] watchEvents() {
    long[] counts = new long[2];
    for (EventOrder o : watched) {
      counts[0] += o.events;
      counts[1] += o.resyncs;
    }
    return counts;
  }

  private void done() {
    busy = false;
    process.later(random.nextLong(1_000, 200_000), this::next);
  }

  private void acquire() {
    String path = LOCKS.get(random.nextInt(LOCKS.size()));
    DistributedLock lock =
        locks.computeIfAbsent(path, p -> async.lock(p, LockMode.EXCLUSIVE, listener()));
    int kind = random.nextInt(10);
    Duration wait =
        kind < 2 ? Duration.ZERO : kind < 8 ? Duration.ofMillis(random.nextLong(50, 2_000)) : null;
    trace.add("acquire", id, path.hashCode(), wait == null ? -1 : wait.toMillis());
    op = "acquire " + path + " wait=" + wait + " at t=" + events.nowMicros();
    lock.acquireAsync(wait)
        .whenComplete(
            (granted, error) ->
                guarded(
                    () -> {
                      if (error != null) {
                        failed("acquire " + path, error);
                        done();
                      } else if (!granted) {
                        trace.add("not granted", id, path.hashCode());
                        done();
                      } else {
                        hold(lock);
                      }
                    }));
  }

  private void hold(DistributedLock lock) {
    acquired++;
    acquiredSinceMark++;
    if (!lock.isHeld()) {
      // Granted, and lost again (jeopardy, expiry) before this callback ran: the sequencer is
      // gone with it (or still readable in jeopardy, but not to be acted on).
      trace.add("granted, lost already", id);
      release(lock);
      return;
    }
    Sequencer s = lock.sequencer();
    sessions.add(s.sessionId());
    trace.add("granted", id, s.lockGeneration(), s.sessionId());
    log("granted " + s);
    op = "hold " + s + " since t=" + events.nowMicros();
    use(lock);
    int uses = 1 + random.nextInt(3);
    useLater(lock, uses);
  }

  private void useLater(DistributedLock lock, int left) {
    process.later(
        random.nextLong(1_000, 300_000),
        () ->
            guarded(
                () -> {
                  use(lock);
                  if (left > 1) {
                    useLater(lock, left - 1);
                  } else if (random.nextInt(3) == 0) {
                    write(() -> release(lock));
                  } else if (random.nextInt(4) == 0 && lock.isHeld()) {
                    ephemeral(lock.sequencer().sessionId(), () -> release(lock));
                  } else {
                    release(lock);
                  }
                }));
  }

  /**
   * Acts on the resource, as a careful application does: only while the client says it holds the
   * lock, sending the lock's sequencer with the request. The request travels (sometimes slowly),
   * and the process may be frozen right after it decided to send (a GC pause at the worst moment),
   * so the resource may see it long after the lock was lost: then it must refuse it.
   */
  private void use(DistributedLock lock) {
    if (!lock.isHeld()) {
      return;
    }
    Sequencer s = lock.sequencer();
    trace.add("use", id, s.lockGeneration());
    log("uses the resource with " + s);
    gcPause.run();
    process.callbacks.execute(
        () -> {
          long delay =
              random.nextInt(20) == 0
                  ? random.nextLong(1_000, 500_000)
                  : random.nextLong(100, 1_000);
          events.after(delay, () -> arrive(lock, s));
        });
  }

  /** The resource receives a request: it admits the sequencer or turns the request away. */
  private void arrive(DistributedLock lock, Sequencer s) {
    boolean admitted;
    try {
      admitted = resource.use(s.sessionId(), SimClients.toProto(s));
    } catch (Violation v) {
      trace.fail(v.getMessage());
      return;
    }
    trace.add("admitted", id, s.lockGeneration(), admitted ? 1 : 0);
    log("resource " + (admitted ? "admitted " : "REFUSED ") + s);
    if (admitted) {
      return;
    }
    refused++;
    // Legitimate only if the client no longer claims the lock: it lost it, or it cannot know yet.
    boolean claims =
        process.settled()
            && lock.isHeld()
            && lock.sequencer().lockGeneration() == s.lockGeneration();
    try {
      checkers.fenced(s.sessionId(), s.path(), s.lockGeneration(), claims);
    } catch (Violation v) {
      trace.fail(
          v.getMessage()
              + " (client "
              + id
              + ", running and caught up, still says "
              + "isHeld() for that grant at t="
              + events.nowMicros()
              + "us)");
    }
  }

  private void release(DistributedLock lock) {
    trace.add("release", id, lock.path().hashCode());
    op = "release " + lock.path() + " at t=" + events.nowMicros();
    lock.releaseAsync()
        .whenComplete(
            (v, error) ->
                guarded(
                    () -> {
                      if (error != null) {
                        failed("release " + lock.path(), error);
                      }
                      done();
                    }));
  }

  private void write(Runnable then) {
    op = "write at t=" + events.nowMicros();
    byte[] contents = ("from " + id + " at " + events.nowMicros()).getBytes(StandardCharsets.UTF_8);
    async
        .setContents(DATA, contents)
        .whenComplete(
            (stat, error) ->
                guarded(
                    () -> {
                      if (error != null) {
                        failed("write", error);
                      } else {
                        trace.add("written", id, stat.contentGeneration());
                        acknowledged.generation =
                            Math.max(acknowledged.generation, stat.contentGeneration());
                      }
                      then.run();
                    }));
  }

  /**
   * Reads the data node {@code left} times in a row (from the consistent cache when this client
   * caches and holds it): no read may be older than a write acknowledged before it began.
   */
  private void read(int left, Runnable then) {
    long floor = acknowledged.generation;
    long started = events.nowMicros();
    async
        .getContents(DATA)
        .whenComplete(
            (data, error) ->
                guarded(
                    () -> {
                      if (error != null) {
                        failed("read", error);
                      } else {
                        reads++;
                        long generation = data.stat().contentGeneration();
                        trace.add("read", id, generation);
                        if (generation < floor) {
                          trace.fail(
                              "read: client "
                                  + id
                                  + " read generation "
                                  + generation
                                  + " of "
                                  + DATA
                                  + " (read begun at t="
                                  + started
                                  + "us) though generation "
                                  + floor
                                  + " had been acknowledged before");
                        }
                      }
                      if (left > 1 && error == null) {
                        read(left - 1, then);
                      } else {
                        then.run();
                      }
                    }));
  }

  /** An ephemeral node for the session; the checkers make sure it ends with the session. */
  private void ephemeral(long session, Runnable then) {
    if (!withEphemeral.add(session)) {
      then.run();
      return;
    }
    String path = "/eph/c" + id + "-" + session;
    op = "create " + path + " at t=" + events.nowMicros();
    async
        .create(path, CreateOptions.file().ephemeral())
        .whenComplete(
            (stat, error) ->
                guarded(
                    () -> {
                      if (error != null) {
                        failed("ephemeral", error);
                      } else {
                        checkers.ephemeralCreated(stat.ephemeralOwner(), path);
                        trace.add("ephemeral", id, stat.ephemeralOwner());
                      }
                      then.run();
                    }));
  }

  /**
   * Runs a piece of the application; an exception from it (a bug here, or the library throwing
   * where it should not) is a violation rather than lost in a future.
   */
  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      trace.fail("client " + id + ": the application's step threw " + e);
    }
  }

  private void log(String line) {
    trace.log(events.nowMicros(), "app " + id + ": " + line);
  }

  private LockListener listener() {
    return new LockListener() {
      @Override
      public void onLost(DistributedLock lock, LockLossReason reason) {
        trace.add("lost", id, reason.ordinal());
        log("lost " + lock.path() + ": " + reason);
      }

      @Override
      public void onRestored(DistributedLock lock) {
        trace.add("restored", id);
        log("restored " + lock.path());
      }
    };
  }

  /**
   * Failures the application has to live with (its session expired, the cell was unreachable for
   * the operation timeout, a withdrawn or refused request) are counted; answers the cell must never
   * give are violations.
   */
  private void failed(String what, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof LockdException e) {
      trace.add("failed", id, e.code().value(), e.reason().ordinal());
      if (e.code() == Status.Code.INTERNAL
          || e.code() == Status.Code.UNKNOWN
          || e.code() == Status.Code.UNIMPLEMENTED) {
        trace.fail(
            "client " + id + ": " + what + " failed with " + e.code() + ": " + e.getMessage());
      }
      return;
    }
    trace.fail("client " + id + ": " + what + " failed with " + cause);
  }

  // ---- checks made from outside -----------------------------------------------------------------

  /** A leader proposes to expire {@code session}: this client must not still count on it. */
  void checkNotClaiming(long session) {
    if (!process.settled()) {
      return; // frozen, or still running what came due while it was: it claims nothing yet
    }
    Session s = SimClients.currentSession(client);
    if (s != null && s.id() == session && s.state() == SessionState.CONNECTED) {
      trace.fail(
          "session: a leader proposed to expire session "
              + session
              + " at t="
              + events.nowMicros()
              + "us while client "
              + id
              + " (running, caught up) still had it "
              + "CONNECTED");
    }
    for (DistributedLock l : locks.values()) {
      if (l.isHeld() && l.sequencer().sessionId() == session) {
        trace.fail(
            "lock: a leader proposed to expire session "
                + session
                + " at t="
                + events.nowMicros()
                + "us while client "
                + id
                + " said isHeld() for "
                + l.path());
      }
    }
  }

  /** Counts grants again from now (the liveness phase). */
  void mark() {
    acquiredSinceMark = 0;
  }

  /** The client's open session, or null (never opens one). */
  Session session() {
    return SimClients.currentSession(client);
  }
}
