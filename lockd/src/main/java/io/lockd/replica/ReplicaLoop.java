package io.lockd.replica;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production thread around a {@link Replica}: one event loop that owns it. Other threads (gRPC,
 * the storage writer) only enqueue tasks; the loop drains everything queued, then flushes once, so
 * commands that arrive together share a slot and one sync. It ticks the replica when the replica's
 * next timer is due ({@link Replica#nextDeadline}), not at a fixed rate, so an idle replica sleeps.
 * The loop never blocks on disk or network.
 *
 * <p>Two inboxes: consensus work ({@link #submitPeer}: peer messages, lost peers, durable groups)
 * and everything else ({@link #submit}: client requests, KeepAlives, status). Consensus work never
 * waits behind client work: the loop runs what is queued for consensus before each client task and
 * flushes its answers at once, and it stops a long run of client tasks when a timer of the replica
 * is due, so heartbeats leave on time. Under a storm of sessions a single inbox held heartbeats and
 * their acknowledgments for seconds behind tens of thousands of KeepAlives, and leases lapsed
 * (docs/server.md, "Overload").
 */
public final class ReplicaLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicaLoop.class);
  private static final int DRAIN_MAX = 4096;

  /** Client tasks run between two looks at the clock (a tick may have come due meanwhile). */
  private static final int CLOCK_EVERY = 16;

  /** The longest sleep between ticks whatever the replica says (a safety net, not a timer). */
  private static final long IDLE_TICK_MILLIS = 1_000;

  private final BlockingQueue<Consumer<Replica>> inbox;
  private final BlockingQueue<Consumer<Replica>> peerInbox;
  private volatile boolean sleeping;
  private long lastFlushMillis;

  /** This turn's flushes so far, for the stall report ({@link LoopStalls.TurnParts}). */
  private long turnFlushMillis;

  private int turnFlushes;
  private final Clock clock;
  private final long tickMinMillis;
  private final Thread thread;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean running = true;
  private Replica replica;
  private Duty duty = Duty.NONE;
  private final LoopStalls stalls;

  /**
   * Periodic work of the layer above the replica (the server's session expiry, timers, health), run
   * on the loop right after the replica's own tick, when its deadline is due.
   */
  public interface Duty {
    Duty NONE =
        new Duty() {
          @Override
          public long nextDeadline(long now) {
            return Long.MAX_VALUE;
          }

          @Override
          public void run() {}
        };

    /** When {@link #run} must run next; asked after every batch of inputs. */
    long nextDeadline(long now);

    void run();
  }

  /**
   * Builds the replica on the loop's own thread (so that it is confined to it from birth) and
   * starts the loop.
   *
   * @param tickMinMillis the shortest interval between two ticks (timers are this coarse at most)
   * @param build makes the replica; it receives this loop so that callbacks can post back to it
   */
  public ReplicaLoop(
      String name,
      Clock clock,
      long tickMinMillis,
      int inboxCapacity,
      Function<ReplicaLoop, Replica> build) {
    this.inbox = new ArrayBlockingQueue<>(inboxCapacity);
    this.peerInbox = new ArrayBlockingQueue<>(inboxCapacity);
    this.clock = clock;
    this.tickMinMillis = tickMinMillis;
    this.stalls = new LoopStalls(name);
    CompletableFuture<Void> built = new CompletableFuture<>();
    this.thread =
        new Thread(
            () -> {
              try {
                replica = build.apply(this);
                built.complete(null);
              } catch (RuntimeException e) {
                built.completeExceptionally(e);
                stopped.complete(null);
                return;
              }
              run();
            },
            name);
    thread.setDaemon(true);
    thread.start();
    built.join();
  }

  /**
   * Queues a task for the replica's thread. Returns false if the loop is full or stopped; callers
   * drop peer messages (Paxos retransmits) and refuse client requests as overloaded.
   */
  public boolean submit(Consumer<Replica> task) {
    return offer(inbox, task);
  }

  /**
   * Queues consensus work (a peer's message, a lost peer, a durable group): it runs before any
   * client task still queued. Returns false if its inbox is full or the loop stopped (Paxos
   * retransmits what is dropped).
   */
  public boolean submitPeer(Consumer<Replica> task) {
    return offer(peerInbox, task);
  }

  private boolean offer(BlockingQueue<Consumer<Replica>> queue, Consumer<Replica> task) {
    if (!running || !queue.offer(task)) {
      return false;
    }
    if (sleeping) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  /** Installs the duty; call on the loop (from a task), at most once. */
  public void setDuty(Duty duty) {
    this.duty = duty;
  }

  /** Runs a task on the loop and waits for its answer (for status pages and tests). */
  public <T> T call(Function<Replica, T> task, long timeoutMillis) throws Exception {
    CompletableFuture<T> answer = new CompletableFuture<>();
    if (!submit(
        r -> {
          try {
            answer.complete(task.apply(r));
          } catch (RuntimeException e) {
            answer.completeExceptionally(e);
          }
        })) {
      throw new IllegalStateException("replica loop is full or stopped");
    }
    return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void run() {
    long lastTick = clock.nowMillis();
    long nextTick = nextTick(lastTick);
    try {
      while (running) {
        long slept = clock.nowMillis();
        sleepUntil(nextTick);
        if (Thread.interrupted() || !running) {
          break;
        }
        long woke = clock.nowMillis();
        stalls.timerRan(nextTick, slept, woke);
        turnFlushMillis = 0;
        turnFlushes = 0;
        runPeerWork();
        long peerDone = clock.nowMillis();
        runClientWork(nextTick);
        long now = clock.nowMillis();
        if (now >= nextTick) {
          replica.onTick();
          if (now >= duty.nextDeadline(now)) {
            duty.run();
          }
          lastTick = now;
        }
        long tickDone = clock.nowMillis();
        flush();
        LoopStalls.TurnParts parts =
            lastFlushMillis - woke < LoopStalls.THRESHOLD_MILLIS
                ? null // a short turn: nothing to report, nothing to allocate on every turn
                : new LoopStalls.TurnParts(
                    peerDone - woke, now - peerDone, tickDone - now, turnFlushMillis, turnFlushes);
        String stalled = stalls.turn(woke, lastFlushMillis, parts);
        if (stalled != null) {
          log.warn(stalled);
        }
        nextTick = Math.max(nextTick(now), lastTick + tickMinMillis);
      }
    } catch (RuntimeException | Error e) {
      // An invariant broke: stopping is safer than carrying on with a state we cannot trust.
      log.error("replica loop {} stopped by an unexpected error", thread.getName(), e);
      running = false;
    } finally {
      stopped.complete(null);
    }
  }

  /** Parks until a task is queued or {@code deadline} (loop clock) passes. */
  private void sleepUntil(long deadline) {
    long wait = deadline - clock.nowMillis();
    if (wait <= 0) {
      return;
    }
    sleeping = true; // before the last look, so that a task queued after it unparks us
    if (inbox.isEmpty() && peerInbox.isEmpty()) {
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(wait));
    }
    sleeping = false;
  }

  /** Runs every queued consensus task; true if there was any. */
  private boolean runPeerWork() {
    boolean any = false;
    for (Consumer<Replica> task = peerInbox.poll(); task != null; task = peerInbox.poll()) {
      task.accept(replica);
      any = true;
    }
    return any;
  }

  private void flush() {
    long start = clock.nowMillis();
    replica.flush();
    lastFlushMillis = clock.nowMillis();
    turnFlushMillis += lastFlushMillis - start;
    turnFlushes++;
  }

  /**
   * Runs queued client tasks, at most {@link #DRAIN_MAX}, with consensus work that arrives
   * meanwhile run before the next one; stops early once {@code nextTick} is due. The answers to
   * that consensus work leave at the latest one minimum tick interval after the last flush, not
   * after the whole run: flushing after every client task instead would cut the commands that
   * arrive together into one slot each.
   */
  private void runClientWork(long nextTick) {
    Consumer<Replica> task;
    boolean unflushed = false; // consensus work ran whose answers have not left yet
    for (int done = 0; done < DRAIN_MAX && (task = inbox.poll()) != null; ) {
      task.accept(replica);
      unflushed |= runPeerWork();
      if (unflushed && clock.nowMillis() - lastFlushMillis >= tickMinMillis) {
        flush();
        unflushed = false;
      }
      if (++done % CLOCK_EVERY == 0 && clock.nowMillis() >= nextTick) {
        return;
      }
    }
  }

  /** When the replica or the duty next needs a tick, at the latest {@link #IDLE_TICK_MILLIS}. */
  private long nextTick(long now) {
    long next = Math.min(replica.nextDeadline(), duty.nextDeadline(now));
    return Math.min(next, now + IDLE_TICK_MILLIS);
  }

  public boolean isRunning() {
    return running;
  }

  /** Completes when the loop has stopped (after {@link #close} or a fatal error). */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    stopped.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
  }
}
