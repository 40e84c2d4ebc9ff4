package io.lockd.server;

import io.lockd.replica.ReplicaLoop;

/**
 * When the server's periodic work runs on the replica's loop ({@link CellServer#onTick}: the
 * leader's duties, parked requests; then {@code after}, such as a health status): every {@code
 * tickMillis} while there is something to time ({@link CellServer#wantsFrequentTicks}), every
 * {@link #IDLE_TICK_MILLIS} otherwise, so that an idle follower does not wake a hundred times a
 * second for nothing. Production installs it on the {@code ReplicaLoop}; the simulation runs it the
 * same way. Loop thread only.
 */
public final class ServerTicks implements ReplicaLoop.Duty {
  /** A follower's interval: it has nothing to time but its health status. */
  public static final long IDLE_TICK_MILLIS = 1_000;

  private final CellServer cell;
  private final long tickMillis;
  private final Runnable after;
  private long lastRun = Long.MIN_VALUE / 4;

  public ServerTicks(CellServer cell, long tickMillis, Runnable after) {
    this.cell = cell;
    this.tickMillis = tickMillis;
    this.after = after;
  }

  @Override
  public long nextDeadline(long now) {
    return lastRun + (cell.wantsFrequentTicks() ? tickMillis : IDLE_TICK_MILLIS);
  }

  @Override
  public void run() {
    lastRun = cell.nowMillis();
    cell.onTick();
    after.run();
  }
}
