package io.lockd.replica;

import io.lockd.paxos.SnapshotSink;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Production's {@link SnapshotEncoder}: one thread beside the replica's loop encodes captures in
 * the order they come and hands the bytes back through the loop's consensus inbox. One thread, so
 * that encodings finish in order and a burst of them cannot take both cores from the loop.
 */
final class LoopSideEncoder implements SnapshotEncoder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoopSideEncoder.class);

  /** How often a full inbox is tried again before the bytes are given up (they are retaken). */
  private static final int HANDBACK_ATTEMPTS = 10_000;

  private final ExecutorService thread;
  private final Supplier<ReplicaLoop> loop;
  private final Supplier<SnapshotSink> sinks;

  /**
   * {@code loop} is asked for late: the loop is built after its replica, which takes this.
   * Snapshots are encoded into sinks from {@code sinks}.
   */
  LoopSideEncoder(String name, Supplier<ReplicaLoop> loop, Supplier<SnapshotSink> sinks) {
    this.loop = loop;
    this.sinks = sinks;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public SnapshotSink snapshotSink() {
    return sinks.get();
  }

  @Override
  public void encode(Runnable encoding, Consumer<Boolean> done) {
    try {
      thread.execute(() -> handBack(encoded(encoding), done));
    } catch (RejectedExecutionException e) {
      // closing: the replica stops too, and nothing waits for these bytes
    }
  }

  private static boolean encoded(Runnable encoding) {
    try {
      encoding.run();
      return true;
    } catch (RuntimeException | OutOfMemoryError e) {
      log.error("could not encode a snapshot of the state; it will be taken again later", e);
      return false;
    }
  }

  private void handBack(boolean encoded, Consumer<Boolean> done) {
    ReplicaLoop l = loop.get();
    for (int i = 0; i < HANDBACK_ATTEMPTS && l.isRunning(); i++) {
      if (l.submitPeer(r -> done.accept(encoded))) {
        return;
      }
      try {
        Thread.sleep(1); // the consensus inbox is full for a moment: it drains first
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
