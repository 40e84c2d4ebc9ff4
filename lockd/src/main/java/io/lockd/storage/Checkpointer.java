package io.lockd.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that writes checkpoints, off the writer's path: the writer hands it an image at a
 * group boundary and goes on; no sync waits for a checkpoint.
 *
 * <p>At most one checkpoint is written at a time, and a newer request replaces one still queued
 * (the newer image covers everything the older would). Once a checkpoint is durable, older
 * checkpoints and every segment whose groups it covers are deleted; nothing is deleted before, so a
 * failure loses nothing: it is logged as an error and the same image is tried again after {@code
 * retryMillis}, unless a newer request came. Closing abandons a checkpoint in progress (its
 * temporary is deleted) and drops a queued one.
 */
final class Checkpointer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  private final DataDirectory directory;
  private final StorageIo io;
  private final Segments segments;
  private final long retryMillis;
  private final Thread thread;

  private CheckpointImage queued;

  private final SnapshotNumbers numbers;

  /**
   * The snapshot files the log still needs after a checkpoint covering group {@code p}: those of
   * rebuilds in later groups (given p, the log store answers and forgets those at or below it).
   */
  private final LongFunction<Set<Long>> rebuildFilesAfter;

  private boolean running;
  private volatile boolean closed;
  private volatile long durableSeq;
  private volatile long durableSnapshotIndex;
  private volatile long failures;

  Checkpointer(
      DataDirectory directory,
      StorageIo io,
      Segments segments,
      CheckpointImage recovered,
      SnapshotNumbers numbers,
      LongFunction<Set<Long>> rebuildFilesAfter,
      long retryMillis,
      String threadName) {
    this.directory = directory;
    this.io = io;
    this.segments = segments;
    this.retryMillis = retryMillis;
    this.durableSeq = recovered.seq();
    this.durableSnapshotIndex = recovered.snapshotIndex();
    this.numbers = numbers;
    this.rebuildFilesAfter = rebuildFilesAfter;
    try {
      // Left by a crash between a checkpoint and its deletions, or by a checkpoint unreadable now.
      deleteSnapshotsBut(
          directory,
          io,
          SnapshotFiles.fileOf(recovered.snapshot(), directory),
          rebuildFilesAfter.apply(recovered.seq()));
    } catch (IOException | RuntimeException e) {
      log.warn("deleting unused snapshot files in {} failed", directory.root(), e);
    }
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues {@code image}, replacing a queued one. */
  synchronized void request(CheckpointImage image) {
    if (!closed) {
      queued = image;
      notifyAll();
    }
  }

  /** The last group a durable checkpoint covers. */
  long durableSeq() {
    return durableSeq;
  }

  /** The snapshot index of the newest durable checkpoint: below it, no crash loses the snapshot. */
  long durableSnapshotIndex() {
    return durableSnapshotIndex;
  }

  long failures() {
    return failures;
  }

  /** For tests: waits until nothing is queued or running; false if that took too long. */
  synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while ((queued != null || running) && !closed) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return queued == null && !running;
  }

  private void run() {
    try {
      while (true) {
        CheckpointImage image = next();
        if (image == null) {
          return;
        }
        FileSnapshot snapshotFile;
        try {
          snapshotFile = CheckpointFile.write(directory, image, numbers.next(), io, () -> closed);
        } catch (CheckpointFile.Abandoned e) {
          return;
        } catch (IOException | RuntimeException e) {
          failures++;
          log.error(
              "checkpoint of group {} in {} failed; the log keeps everything, retrying in {} ms",
              image.seq(),
              directory.root(),
              retryMillis,
              e);
          finish(image, false);
          continue;
        }
        SnapshotFiles.release(image.snapshot(), snapshotFile);
        deleteCovered(image, snapshotFile);
        finish(image, true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The next image to write, waiting for one; null once closed. */
  private synchronized CheckpointImage next() throws InterruptedException {
    while (queued == null && !closed) {
      wait();
    }
    if (closed) {
      return null;
    }
    CheckpointImage image = queued;
    queued = null;
    running = true;
    return image;
  }

  private synchronized void finish(CheckpointImage image, boolean done)
      throws InterruptedException {
    running = false;
    notifyAll();
    if (done || closed) {
      return;
    }
    if (queued == null) {
      queued = image;
    }
    // Wait before trying again, unless closing or a newer request comes first.
    long deadline = System.nanoTime() + retryMillis * 1_000_000;
    while (!closed && queued == image) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }

  /**
   * The checkpoint is durable: older checkpoints, the snapshot files only they referred to, and the
   * segments it covers can go. (A transfer still reading an older snapshot file keeps it open, and
   * an unlinked file lives on while open.)
   */
  private void deleteCovered(CheckpointImage image, FileSnapshot snapshotFile) {
    durableSeq = image.seq();
    durableSnapshotIndex = image.snapshotIndex();
    try {
      for (Path older : directory.checkpoints().headMap(image.seq()).values()) {
        io.delete(older);
      }
      deleteSnapshotsBut(directory, io, snapshotFile, rebuildFilesAfter.apply(image.seq()));
      // Deletions need no directory fsync: one a crash undoes is done again after the next open.
      for (Path segment : segments.removeCoveredBy(image.seq())) {
        io.delete(segment);
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "deleting files checkpoint {} covers failed; the next open deletes them", image.seq(), e);
    }
  }

  /**
   * Deletes every snapshot file of {@code directory} but {@code kept} (the one the newest durable
   * checkpoint refers to; null: none) and those numbered in {@code alsoKept} (rebuilds the log
   * still refers to). A file is written as a temporary and renamed once whole, and the writer
   * registers a rebuild's number before it makes the file, so nothing listed here is half-made.
   */
  static void deleteSnapshotsBut(
      DataDirectory directory, StorageIo io, FileSnapshot kept, Set<Long> alsoKept)
      throws IOException {
    for (Map.Entry<Long, Path> file : directory.snapshots().entrySet()) {
      boolean needed =
          (kept != null && file.getValue().equals(kept.file())) || alsoKept.contains(file.getKey());
      if (!needed) {
        io.delete(file.getValue());
      }
    }
  }

  /** Abandons a checkpoint in progress, drops a queued one, and stops the thread. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queued = null;
      notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
