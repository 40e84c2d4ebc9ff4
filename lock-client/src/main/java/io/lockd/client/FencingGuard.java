package io.lockd.client;

import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A resource server's fence: admits a request only if its {@link Sequencer} is not older than the
 * newest one this guard has admitted for the same lock path. Lock generations grow cell-wide with
 * every grant, so a holder that lost its lock (paused past its lease, partitioned) carries an older
 * generation than the holder that replaced it, and is refused as soon as the new holder has been
 * admitted once.
 *
 * <p>Rules per path: an exclusive sequencer is admitted if its generation is at least the newest
 * admitted generation of any mode; a shared one if it is at least the newest admitted
 * <em>exclusive</em> generation (readers that hold the lock together are not ordered among
 * themselves). An equal generation is the same grant and is admitted again.
 *
 * <p>The guard only orders holders it has seen; to also refuse a sequencer whose lock was released
 * before any successor reached the resource, construct it with a client ({@link
 * #FencingGuard(LockClient)}): every admission is then confirmed with the cell ({@link
 * LockClient#checkSequencer}) as well. It tracks at most {@code maxPaths} paths and refuses new
 * paths beyond that (forgetting one would let an old holder in). Thread-safe.
 *
 * <p><b>Guard reads too, and make the check and the access one step.</b> A holder that reads,
 * computes and writes back (a read-modify-write) must present its sequencer on the read as well as
 * on the write, and each check must happen together with the access it guards ({@link
 * #admitAndGet}, {@link #admitAndRun}: no other admission comes in between). Otherwise an old
 * holder's write admitted just before the new holder's first request lands after the new holder
 * read, and the new holder writes back a value computed from contents that are no longer there (a
 * lost update), although every write was checked.
 *
 * <pre>{@code
 * FencingGuard guard = new FencingGuard();
 *
 * // In the resource server: every access, read or write, with the caller's sequencer.
 * long read(Sequencer holder) {
 *   return guard.admitAndGet(holder, () -> store.balance());           // throws if stale
 * }
 * void write(Sequencer holder, long balance) {
 *   guard.admitAndRun(holder, () -> store.setBalance(balance));        // throws if stale
 * }
 *
 * // In the lock holder: the read and the write both carry the sequencer.
 * if (lock.acquire(Duration.ofSeconds(10))) {
 *   Sequencer s = lock.sequencer();
 *   long balance = resource.read(s);
 *   resource.write(s, balance + 100);
 * }
 * }</pre>
 */
public final class FencingGuard {
  /** Default bound on the number of lock paths tracked. */
  public static final int DEFAULT_MAX_PATHS = 100_000;

  private record Newest(long any, long exclusive) {}

  private final Map<String, Newest> newest = new HashMap<>();
  private final int maxPaths;
  private final LockClient cell;

  /** A guard that orders sequencers locally. */
  public FencingGuard() {
    this(null, DEFAULT_MAX_PATHS);
  }

  /** A guard that also confirms each sequencer with the cell. */
  public FencingGuard(LockClient cell) {
    this(cell, DEFAULT_MAX_PATHS);
  }

  public FencingGuard(LockClient cell, int maxPaths) {
    if (maxPaths < 1) {
      throw new IllegalArgumentException("maxPaths must be at least 1");
    }
    this.cell = cell;
    this.maxPaths = maxPaths;
  }

  /**
   * Admits {@code sequencer} or throws. On success it becomes the newest seen for its path (if it
   * is newer).
   *
   * @throws LockdException FAILED_PRECONDITION (SEQUENCER_INVALID) if it is older than one already
   *     admitted, or the cell says it is no longer valid; RESOURCE_EXHAUSTED if the guard is full
   */
  public void admit(Sequencer sequencer) {
    admitAndGet(sequencer, () -> null);
  }

  /**
   * Admits {@code sequencer} and runs {@code access} (a read or a write of the resource) as one
   * step: no other sequencer is admitted between the check and the end of {@code access}, so a
   * newer holder admitted concurrently is ordered entirely before or after it. {@code access} runs
   * under this guard's monitor: keep it short (every admission of the guard waits for it).
   *
   * <pre>{@code
   * long balance = guard.admitAndGet(holder, () -> store.balance());
   * }</pre>
   *
   * @return what {@code access} returned
   * @throws LockdException as {@link #admit}, in which case {@code access} did not run
   */
  public <T> T admitAndGet(Sequencer sequencer, Supplier<T> access) {
    checkOrder(sequencer, false);
    if (cell != null && !cell.checkSequencer(sequencer)) {
      throw stale(sequencer, "the cell says its lock is no longer held with that generation");
    }
    synchronized (this) {
      checkOrder(sequencer, true);
      return access.get();
    }
  }

  /**
   * {@link #admitAndGet} for an access without a result, e.g. a write.
   *
   * <pre>{@code
   * guard.admitAndRun(holder, () -> store.setBalance(balance));
   * }</pre>
   */
  public void admitAndRun(Sequencer sequencer, Runnable access) {
    admitAndGet(
        sequencer,
        () -> {
          access.run();
          return null;
        });
  }

  /** True if {@link #admit} would admit it (and then records it); false instead of throwing. */
  public boolean tryAdmit(Sequencer sequencer) {
    try {
      admit(sequencer);
      return true;
    } catch (LockdException e) {
      if (e.reason() == LockdException.Reason.SEQUENCER_INVALID) {
        return false;
      }
      throw e;
    }
  }

  /** The newest generation admitted for {@code path}, 0 if none. */
  public synchronized long newestGeneration(String path) {
    Newest n = newest.get(path);
    return n == null ? 0 : n.any;
  }

  private synchronized void checkOrder(Sequencer s, boolean record) {
    Newest n = newest.get(s.path());
    long floor = n == null ? 0 : (s.mode() == LockMode.EXCLUSIVE ? n.any : n.exclusive);
    if (s.lockGeneration() < floor) {
      throw stale(s, "a newer holder (generation " + floor + ") was already admitted");
    }
    if (!record) {
      return;
    }
    if (n == null && newest.size() >= maxPaths) {
      throw new LockdException(
          Status.Code.RESOURCE_EXHAUSTED,
          LockdException.Reason.LIMIT_REACHED,
          "fencing guard tracks " + maxPaths + " lock paths already");
    }
    long any = Math.max(n == null ? 0 : n.any, s.lockGeneration());
    long exclusive = n == null ? 0 : n.exclusive;
    if (s.mode() == LockMode.EXCLUSIVE) {
      exclusive = Math.max(exclusive, s.lockGeneration());
    }
    newest.put(s.path(), new Newest(any, exclusive));
  }

  private static LockdException stale(Sequencer s, String why) {
    return new LockdException(
        Status.Code.FAILED_PRECONDITION,
        LockdException.Reason.SEQUENCER_INVALID,
        "sequencer for " + s.path() + " generation " + s.lockGeneration() + " refused: " + why);
  }
}
