package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.Message;
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
 * The replica's disk thread: it makes the event loop's writes durable in groups, so that one fsync
 * serves everything that queued up while the previous one ran, and it releases the messages that
 * waited for those writes itself, without a round trip through the event loop.
 *
 * <p>The event loop calls {@link #submit} with writes, the token the core gave them, and the
 * messages that may be sent only once every write up to that token is durable (promises and
 * acceptances). Each round the writer takes everything queued, calls {@link AcceptorStore#write}
 * for each submission in order, calls {@link AcceptorStore#sync} once, and then hands the group's
 * messages, in submission order, to {@link Release#durable} on this thread.
 *
 * <p>Only messages force a sync. Writes that nothing waits for (a chosen index, entries learned by
 * catch-up) stay buffered in the store until a later round syncs them anyway, at most {@link
 * #LAZY_SYNC_MILLIS} later or once {@link #LAZY_WRITES_MAX} of them wait: losing them in a crash
 * loses nothing the protocol promised, and syncing each would put a needless fsync in front of the
 * next one that matters (on the leader, one per chosen slot).
 *
 * <p>The queue is bounded ({@code capacity} submissions). When it is full, {@link #submit} returns
 * {@code false} and queues nothing: the caller still owns those writes and must submit them again
 * later, and meanwhile must not send anything that depends on them. The event loop never blocks and
 * no write is dropped silently.
 *
 * <p>A store failure is fatal: the writer stops, reports it to {@code onFailure} (by default, the
 * log), never releases anything again, and {@link #submit} and {@link #close} throw it.
 */
public final class GroupCommitWriter implements AutoCloseable {
  public static final int DEFAULT_CAPACITY = 4096;

  /** The longest a write that no message waits for stays unsynced. */
  public static final long LAZY_SYNC_MILLIS = 100;

  /** The most writes that no message waits for kept unsynced before a sync. */
  public static final int LAZY_WRITES_MAX = 4096;

  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

  /** Where a durable group's messages go. Runs on the writer thread and must not block. */
  @FunctionalInterface
  public interface Release {
    /**
     * Every write submitted with a token up to {@code token} is durable; {@code messages} (those
     * submitted with them, in order, possibly none) may now be sent.
     */
    void durable(long token, List<Message> messages);
  }

  /** Counters for benchmarks: commands per fsync is {@code commands / syncs}. */
  public record Stats(long syncs, long batches, long acceptedEntries, long commands) {}

  private record Submission(long token, List<StoreWrite> writes, List<Message> messages) {}

  private static final Submission STOP = new Submission(Long.MIN_VALUE, List.of(), List.of());

  private final AcceptorStore store;
  private final Release release;
  private final Consumer<Throwable> onFailure;
  private final ArrayBlockingQueue<Submission> queue;
  private final Thread thread;
  private final Object submitLock = new Object();
  private final long lazySyncNanos;

  private long lastToken = Long.MIN_VALUE;
  private boolean closed;
  private volatile Throwable failure;
  private volatile long durableToken;
  private volatile LongConsumer syncObserver = nanos -> {};
  private volatile long syncs;
  private volatile long batches;
  private volatile long acceptedEntries;
  private volatile long commands;

  // Writer thread only.
  private long writtenToken;
  private int unsyncedWrites;
  private long unsyncedSinceNanos;

  public GroupCommitWriter(AcceptorStore store, Release release, String threadName) {
    this(store, release, threadName, DEFAULT_CAPACITY, GroupCommitWriter::logFailure);
  }

  public GroupCommitWriter(
      AcceptorStore store,
      Release release,
      String threadName,
      int capacity,
      Consumer<Throwable> onFailure) {
    this(store, release, threadName, capacity, LAZY_SYNC_MILLIS, onFailure);
  }

  /**
   * As above, with the longest wait of writes no message waits for (tests shorten or stretch it).
   */
  public GroupCommitWriter(
      AcceptorStore store,
      Release release,
      String threadName,
      int capacity,
      long lazySyncMillis,
      Consumer<Throwable> onFailure) {
    Invariants.check(capacity > 0, "capacity must be positive, was %d", capacity);
    Invariants.check(lazySyncMillis > 0, "lazySyncMillis must be positive, was %d", lazySyncMillis);
    this.lazySyncNanos = TimeUnit.MILLISECONDS.toNanos(lazySyncMillis);
    this.store = store;
    this.release = release;
    this.onFailure = onFailure;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues {@code writes} under {@code token}, and {@code afterDurable} to be released once every
   * write up to {@code token} is durable, without blocking. Returns {@code false} if the queue is
   * full (nothing was queued; submit again later). Writes need a token above every earlier one;
   * messages alone name a token already submitted. Throws if the writer failed or was closed.
   */
  public boolean submit(long token, List<StoreWrite> writes, List<Message> afterDurable) {
    Submission submission = new Submission(token, List.copyOf(writes), List.copyOf(afterDurable));
    // One lock orders submissions against close(): nothing can be queued behind STOP.
    synchronized (submitLock) {
      throwIfFailed();
      Invariants.check(!closed, "group commit writer is closed");
      if (writes.isEmpty()) {
        Invariants.check(
            token <= lastToken || lastToken == Long.MIN_VALUE,
            "messages wait for token %d, beyond the last written %d",
            token,
            lastToken);
      } else {
        Invariants.check(token > lastToken, "tokens must increase: %d after %d", token, lastToken);
      }
      if (!queue.offer(submission)) {
        return false;
      }
      if (!writes.isEmpty()) {
        lastToken = token;
      }
      return true;
    }
  }

  /** The highest token whose writes are durable (every lower one is too). */
  public long durableToken() {
    return durableToken;
  }

  public Stats stats() {
    return new Stats(syncs, batches, acceptedEntries, commands);
  }

  /** The failure that stopped the writer, or {@code null}. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Writes and syncs everything queued, releases its messages, then stops the thread. Does not
   * close the store, which the caller owns. Throws the writer's failure, if there was one.
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
        Submission first = next();
        if (first != null) {
          group.add(first);
          queue.drainTo(group);
        }
        stop = writeGroup(group);
        group.clear();
      }
    } catch (Throwable t) {
      failure = t;
      onFailure.accept(t);
    }
  }

  /** The next submission; null once unsynced writes have waited long enough on their own. */
  private Submission next() throws InterruptedException {
    if (unsyncedWrites == 0) {
      return queue.take();
    }
    long waitedNanos = System.nanoTime() - unsyncedSinceNanos;
    long leftNanos = lazySyncNanos - waitedNanos;
    return leftNanos <= 0 ? null : queue.poll(leftNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Writes one group; syncs it if a message waits for it (or lazy writes waited long enough) and
   * releases the messages. Returns whether STOP was in it.
   */
  private boolean writeGroup(List<Submission> group) {
    boolean stop = false;
    List<Message> messages = new ArrayList<>();
    for (Submission s : group) {
      if (s == STOP) {
        stop = true;
        continue;
      }
      if (!s.writes().isEmpty()) {
        store.write(s.writes());
        count(s.writes());
        if (unsyncedWrites == 0) {
          unsyncedSinceNanos = System.nanoTime();
        }
        unsyncedWrites += s.writes().size();
        writtenToken = s.token();
      }
      messages.addAll(s.messages());
    }
    boolean due =
        unsyncedWrites > 0
            && (group.isEmpty()
                || unsyncedWrites >= LAZY_WRITES_MAX
                || System.nanoTime() - unsyncedSinceNanos >= lazySyncNanos);
    if (unsyncedWrites > 0 && (stop || due || !messages.isEmpty())) {
      long syncStart = System.nanoTime();
      store.sync();
      syncObserver.accept(System.nanoTime() - syncStart);
      syncs++;
      unsyncedWrites = 0;
      durableToken = writtenToken;
      release.durable(writtenToken, messages);
    } else if (!messages.isEmpty()) {
      // Everything written so far is durable already: these waited only for what was.
      release.durable(durableToken, messages);
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

  /**
   * Hands the duration of every later sync, in nanoseconds, to {@code observer}, on the writer
   * thread (for metrics; it must be quick and must not throw).
   */
  public void observeSyncs(LongConsumer observer) {
    syncObserver = observer;
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
