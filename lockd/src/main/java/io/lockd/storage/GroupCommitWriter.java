package io.lockd.storage;

import io.lockd.paxos.Invariants;
import io.lockd.paxos.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's disk thread: it makes the event loop's writes durable in groups, so that one
 * fsync serves everything that queued up while the previous one ran.
 *
 * <p>The event loop calls {@link #submit} with a token that increases with every call. The writer
 * thread takes everything queued, calls {@link AcceptorStore#write} for each submission in
 * order, then {@link AcceptorStore#sync} once, then {@code onDurable} with the highest token of
 * the group: every submission up to that token is durable. {@code onDurable} runs on the writer
 * thread; it should hand the token to the event loop and return.
 *
 * <p>The queue is bounded ({@code capacity} submissions). When it is full, {@link #submit}
 * returns {@code false} and queues nothing: the caller still owns those writes and must submit
 * them again later (for example after the next {@code onDurable}), and meanwhile must not send
 * anything that depends on them. The event loop never blocks and no write is dropped silently.
 *
 * <p>A store failure is fatal: the writer stops, reports it to {@code onFailure} (by default, the
 * log), never calls {@code onDurable} again, and {@link #submit} and {@link #close} throw it.
 * Nothing queued after the failure is acknowledged.
 */
public final class GroupCommitWriter implements AutoCloseable {
  public static final int DEFAULT_CAPACITY = 4096;
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

  /** Counters for benchmarks: commands per fsync is {@code commands / syncs}. */
  public record Stats(long syncs, long batches, long acceptedEntries, long commands) {}

  private record Submission(long token, List<StoreWrite> writes) {}

  private static final Submission STOP = new Submission(Long.MIN_VALUE, List.of());

  private final AcceptorStore store;
  private final LongConsumer onDurable;
  private final Consumer<Throwable> onFailure;
  private final ArrayBlockingQueue<Submission> queue;
  private final Thread thread;
  private final Object submitLock = new Object();

  private long lastToken = Long.MIN_VALUE;
  private boolean closed;
  private volatile Throwable failure;
  private volatile long syncs;
  private volatile long batches;
  private volatile long acceptedEntries;
  private volatile long commands;

  public GroupCommitWriter(AcceptorStore store, LongConsumer onDurable, String threadName) {
    this(store, onDurable, threadName, DEFAULT_CAPACITY, GroupCommitWriter::logFailure);
  }

  public GroupCommitWriter(
      AcceptorStore store,
      LongConsumer onDurable,
      String threadName,
      int capacity,
      Consumer<Throwable> onFailure) {
    Invariants.check(capacity > 0, "capacity must be positive, was %d", capacity);
    this.store = store;
    this.onDurable = onDurable;
    this.onFailure = onFailure;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues {@code writes} under {@code token} without blocking. Returns {@code false} if the queue
   * is full (nothing was queued; submit again later). Throws if the writer failed or was closed,
   * or if {@code token} does not exceed the last accepted one.
   */
  public boolean submit(long token, List<StoreWrite> writes) {
    Submission submission = new Submission(token, List.copyOf(writes));
    // One lock orders submissions against close(): nothing can be queued behind STOP.
    synchronized (submitLock) {
      throwIfFailed();
      Invariants.check(!closed, "group commit writer is closed");
      Invariants.check(token > lastToken, "tokens must increase: %d after %d", token, lastToken);
      if (!queue.offer(submission)) {
        return false;
      }
      lastToken = token;
      return true;
    }
  }

  public Stats stats() {
    return new Stats(syncs, batches, acceptedEntries, commands);
  }

  /** The failure that stopped the writer, or {@code null}. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Writes and syncs everything queued, then stops the thread. Does not close the store, which
   * the caller owns. Throws the writer's failure, if there was one.
   */
  @Override
  public void close() {
    synchronized (submitLock) {
      if (closed) {
        throwIfFailed();
        return;
      }
      closed = true;
    }
    try {
      // A full queue empties as the writer works; a dead writer never takes STOP.
      while (failure == null && !queue.offer(STOP, 50, TimeUnit.MILLISECONDS)) {
        Invariants.check(thread.isAlive() || failure != null, "writer thread died silently");
      }
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while closing the group commit writer", e);
    }
    throwIfFailed();
  }

  private void run() {
    List<Submission> group = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        group.add(queue.take());
        queue.drainTo(group);
        stop = writeGroup(group);
        group.clear();
      }
    } catch (Throwable t) {
      failure = t;
      onFailure.accept(t);
    }
  }

  /** Writes one group, syncs once, acknowledges it; returns whether STOP was in it. */
  private boolean writeGroup(List<Submission> group) {
    boolean stop = false;
    boolean wrote = false;
    long highest = Long.MIN_VALUE;
    for (Submission s : group) {
      if (s == STOP) {
        stop = true;
        continue;
      }
      store.write(s.writes());
      count(s.writes());
      highest = s.token();
      wrote = true;
    }
    if (wrote) {
      store.sync();
      syncs++;
      onDurable.accept(highest);
    }
    return stop;
  }

  // Only the writer thread updates the counters, so their read-modify-writes do not race.
  private void count(List<StoreWrite> writes) {
    batches++;
    for (StoreWrite w : writes) {
      if (w instanceof StoreWrite.Accepted a) {
        acceptedEntries++;
        commands += a.entry().value().commands().size();
      }
    }
  }

  private void throwIfFailed() {
    Throwable t = failure;
    if (t != null) {
      throw new IllegalStateException("group commit writer failed", t);
    }
  }

  private static void logFailure(Throwable t) {
    log.error("acceptor store failed; the replica must stop", t);
  }
}
