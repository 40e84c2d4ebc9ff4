package io.lockd.client;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on one node: the candidate that holds the node's exclusive lock leads, and its
 * {@link Sequencer} is the proof of leadership that whatever it leads should check (a newer leader
 * always has a larger lock generation). Candidates queue in the cell in FIFO order.
 *
 * <p>A leader stops leading ({@link Listener#onRevoked}) when it resigns, when its session enters
 * jeopardy (it is elected again, with the same sequencer, if the session recovers in time), when
 * its session expires, or when the node is deleted. After an expiry or a deletion it campaigns
 * again with a new session, unless it was closed.
 *
 * <pre>{@code
 * LeaderElection election = new LeaderElection(client, "/election/indexer", new LeaderElection.Listener() {
 *   public void onElected(Sequencer proof) { indexer.startLeading(proof); }
 *   public void onRevoked(LockLossReason why) { indexer.stopLeading(); }
 * });
 * election.campaign();            // returns once elected (or use campaignAsync)
 * ...
 * election.close();               // resign and stop campaigning
 *
 * // Anyone can follow who leads, in order:
 * try (AutoCloseable o = LeaderElection.observe(client, "/election/indexer",
 *         leader -> System.out.println("leader: " + leader))) { ... }
 * }</pre>
 *
 * <p>Listener calls run on the client's event thread, in order; they must not block.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

  /** What a candidate hears. */
  public interface Listener {
    /** This candidate leads; {@code proof} is the sequencer of its leadership. */
    void onElected(Sequencer proof);

    /**
     * This candidate no longer (safely) leads: {@code reason} is null after {@link #resign}, else
     * why the lock was lost.
     */
    void onRevoked(LockLossReason reason);
  }

  /**
   * A leader as observers see it.
   *
   * @param sessionId the leader's session
   * @param clientName the leader's client name ("" if it could not be read before it changed)
   * @param sequencer the proof of its leadership
   */
  public record Leader(long sessionId, String clientName, Sequencer sequencer) {}

  private final LockClient client;
  private final String path;
  private final Listener listener;
  private final Object guard = new Object();
  private DistributedLock lock;
  private CompletableFuture<Sequencer> pending;
  private boolean campaigning;
  private boolean closed;

  /**
   * A candidate for the election held on {@code path} (created, with its parent directories, if
   * missing).
   */
  public LeaderElection(LockClient client, String path, Listener listener) {
    this.client = client;
    this.path = Paths.check(path);
    this.listener = listener;
  }

  public String path() {
    return path;
  }

  /** Waits until this candidate is elected; returns the proof of leadership. */
  public Sequencer campaign() throws InterruptedException {
    return client.async().awaitInterruptibly(campaignAsync(), this::resignQuietly);
  }

  /**
   * Starts campaigning; the future completes when this candidate is first elected. Campaigning
   * again while already campaigning returns the pending election.
   */
  public CompletableFuture<Sequencer> campaignAsync() {
    synchronized (guard) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("election " + path + " is closed"));
      }
      if (pending != null && !pending.isDone()) {
        return pending;
      }
      campaigning = true;
      if (lock == null) {
        lock = client.lock(path, LockMode.EXCLUSIVE, new Candidate());
      }
      DistributedLock l = lock;
      pending =
          ensureNode()
              .thenCompose(v -> heldLock(l))
              .thenApply(
                  held -> {
                    Sequencer proof = l.sequencer();
                    listener.onElected(proof);
                    return proof;
                  });
      return pending;
    }
  }

  /** Acquires until the grant is still held when it is handed over (it may be lost on the way). */
  private static CompletableFuture<Void> heldLock(DistributedLock l) {
    return l.acquireAsync(null)
        .thenCompose(held -> held ? CompletableFuture.completedFuture(null) : heldLock(l));
  }

  /** True while this candidate leads and its session's lease is valid. */
  public boolean isLeader() {
    DistributedLock l = currentLock();
    return l != null && l.isHeld();
  }

  /** The proof of the current leadership. @throws IllegalStateException if not leading */
  public Sequencer sequencer() {
    DistributedLock l = currentLock();
    if (l == null) {
      throw new IllegalStateException("not leading " + path);
    }
    return l.sequencer();
  }

  /** Stops leading (or withdraws from the queue); {@link Listener#onRevoked} gets null. */
  public void resign() {
    DistributedLock l;
    boolean wasLeader;
    synchronized (guard) {
      campaigning = false;
      l = lock;
      wasLeader = l != null && l.isHeld();
    }
    if (l != null) {
      l.release();
      if (wasLeader) {
        client
            .async()
            .context()
            .dispatcher
            .run("an election listener", () -> listener.onRevoked(null));
      }
    }
  }

  /** The current leader, read from the cell. */
  public Optional<Leader> currentLeader() {
    return leaderOf(client.lockInfo(path));
  }

  /** Resigns and stops campaigning for good. */
  @Override
  public void close() {
    synchronized (guard) {
      closed = true;
    }
    resignQuietly();
  }

  private void resignQuietly() {
    try {
      resign();
    } catch (LockdException e) {
      log.debug("resigning {}: {}", path, e.getMessage());
    }
  }

  private DistributedLock currentLock() {
    synchronized (guard) {
      return lock;
    }
  }

  private CompletableFuture<Void> ensureNode() {
    AsyncLockClient async = client.async();
    return async
        .mkdirs(Paths.parent(path))
        .thenCompose(n -> async.createUnlessExists(path, CreateOptions.file()))
        .thenApply(b -> null);
  }

  /** Hears of the candidate lock's loss and recovery; campaigns again after a real loss. */
  private final class Candidate implements LockListener {
    @Override
    public void onLost(DistributedLock l, LockLossReason reason) {
      listener.onRevoked(reason);
      boolean again;
      synchronized (guard) {
        again =
            campaigning
                && !closed
                && reason != LockLossReason.SESSION_JEOPARDY
                && reason != LockLossReason.SESSION_CLOSED;
      }
      if (again) {
        log.info("election {}: lost leadership ({}); campaigning again", path, reason);
        campaignAsync()
            .exceptionally(
                t -> {
                  log.warn("election {}: campaigning again failed: {}", path, t.toString());
                  return null;
                });
      }
    }

    @Override
    public void onRestored(DistributedLock l) {
      listener.onElected(l.sequencer());
    }
  }

  // ------------------------------------------------------------------ observing

  /**
   * Follows who leads the election on {@code path}: {@code onChange} gets the current leader (or
   * empty) at once, then every change in log order (each new leader, and empty when the leadership
   * is vacant). Close the returned handle to stop.
   */
  public static AutoCloseable observe(
      LockClient client, String path, Consumer<Optional<Leader>> onChange) {
    Paths.check(path);
    Observer o = new Observer(client.async(), path, onChange);
    Watch w = client.watch(path, WatchKind.LOCK, o::onEvent);
    o.refresh();
    return w;
  }

  private static Optional<Leader> leaderOf(LockDetails info) {
    for (LockDetails.Holder h : info.holders()) {
      if (h.mode() == LockMode.EXCLUSIVE) {
        return Optional.of(
            new Leader(
                h.sessionId(),
                h.clientName(),
                new Sequencer(
                    info.path(),
                    LockMode.EXCLUSIVE,
                    h.lockGeneration(),
                    info.instance(),
                    h.sessionId())));
      }
    }
    return Optional.empty();
  }

  /**
   * Turns lock events into leader changes, in order: each step waits for the previous one (a read
   * to learn a new leader's name), and generations never go back.
   */
  private static final class Observer {
    private final AsyncLockClient async;
    private final String path;
    private final Consumer<Optional<Leader>> onChange;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private long generation = -1;
    private Optional<Leader> last;

    Observer(AsyncLockClient async, String path, Consumer<Optional<Leader>> onChange) {
      this.async = async;
      this.path = path;
      this.onChange = onChange;
    }

    synchronized void onEvent(WatchEvent e) {
      switch (e.type()) {
        case LOCK_ACQUIRED -> {
          if (e.mode() == LockMode.EXCLUSIVE) {
            chain(
                () ->
                    async
                        .lockInfo(path)
                        .handle(
                            (info, t) -> {
                              Optional<Leader> read = t == null ? leaderOf(info) : Optional.empty();
                              if (read.isPresent()
                                  && read.get().sequencer().lockGeneration()
                                      == e.lockGeneration()) {
                                return read;
                              }
                              return Optional.of(
                                  new Leader(
                                      e.sessionId(),
                                      "",
                                      new Sequencer(
                                          path,
                                          LockMode.EXCLUSIVE,
                                          e.lockGeneration(),
                                          0,
                                          e.sessionId())));
                            }),
                e.lockGeneration());
          }
        }
        case LOCK_RELEASED, NODE_DELETED ->
            chain(() -> CompletableFuture.completedFuture(Optional.empty()), e.lockGeneration());
        case RESYNC -> refresh();
        default -> {}
      }
    }

    synchronized void refresh() {
      chain(
          () ->
              async
                  .lockInfo(path)
                  .handle(
                      (info, t) -> {
                        if (t != null) {
                          Throwable cause = t instanceof CompletionException ? t.getCause() : t;
                          if (!(cause instanceof LockdException le
                              && le.code() == io.grpc.Status.Code.NOT_FOUND)) {
                            log.warn(
                                "election {}: reading the leader failed: {}",
                                path,
                                cause.toString());
                          }
                          return Optional.empty();
                        }
                        return leaderOf(info);
                      }),
          -1);
    }

    /** Appends a step; {@code eventGeneration} orders it (-1: a full read, always applies). */
    private void chain(
        java.util.function.Supplier<CompletableFuture<Optional<Leader>>> step,
        long eventGeneration) {
      tail =
          tail.thenCompose(v -> step.get())
              .thenAccept(leader -> deliver(leader, eventGeneration))
              .exceptionally(t -> null);
    }

    private synchronized void deliver(Optional<Leader> leader, long eventGeneration) {
      long g = leader.map(l -> l.sequencer().lockGeneration()).orElse(eventGeneration);
      if (eventGeneration >= 0 && eventGeneration < generation) {
        return; // about an older leader than one already reported
      }
      if (leader.isPresent() && g < generation) {
        return;
      }
      generation = Math.max(generation, g);
      if (last != null && last.equals(leader)) {
        return;
      }
      last = leader;
      onChange.accept(leader);
    }
  }
}
