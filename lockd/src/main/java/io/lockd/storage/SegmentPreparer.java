package io.lockd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one spare segment ready, so that the writer's roll to a new segment is a rename, not 64 MiB
 * of zeros on the critical path (etcd's wal does the same in its file pipeline).
 *
 * <p>A spare is written with real zeros, not made sparse or fallocated: blocks that already hold
 * data need no allocation and no conversion of unwritten extents when the writer later writes into
 * them, so its {@code fdatasync} never has to update the file's metadata. The spare is then fsynced
 * (data and size). It keeps a {@code *.tmp} name until the writer renames it into place, so a crash
 * before that leaves only a temporary, deleted at the next open; the writer's rename is followed by
 * an fsync of the directory, which also makes the spare's entry durable.
 */
final class SegmentPreparer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SegmentPreparer.class);
  private static final int ZERO_CHUNK_BYTES = 1 << 20;

  /** A zero-filled, synced file under a temporary name, open for writing. */
  record Spare(Path path, FileChannel channel, long size) {}

  private final DataDirectory directory;
  private final StorageIo io;
  private final long segmentBytes;
  private final AtomicLong names = new AtomicLong();
  private final Thread thread;
  private Spare ready;
  private volatile boolean closed;

  SegmentPreparer(DataDirectory directory, StorageIo io, long segmentBytes, String threadName) {
    this.directory = directory;
    this.io = io;
    this.segmentBytes = segmentBytes;
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  /** Starts preparing in the background; until then {@link #take} prepares on the caller. */
  void start() {
    thread.start();
  }

  /**
   * A spare of at least {@code bytes}: the one prepared in the background if it is ready and big
   * enough, else one prepared now, on the caller's thread (rare: a group larger than a segment, or
   * a writer faster than the preparer).
   */
  Spare take(long bytes) throws IOException {
    synchronized (this) {
      if (ready != null && ready.size() >= bytes) {
        Spare spare = ready;
        ready = null;
        notifyAll();
        return spare;
      }
    }
    Spare spare = prepare(Math.max(segmentBytes, GroupFormat.align8(bytes)));
    if (spare == null) {
      throw new IOException("the store is closing");
    }
    return spare;
  }

  private void run() {
    try {
      while (true) {
        synchronized (this) {
          while (ready != null && !closed) {
            wait();
          }
          if (closed) {
            return;
          }
        }
        Spare spare = prepare(segmentBytes);
        synchronized (this) {
          if (closed) {
            if (spare != null) {
              discard(spare);
            }
            return;
          }
          ready = spare;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // The writer prepares its own spares from now on; a broken disk fails its next sync.
      log.error("preparing a spare log segment failed; the writer will prepare its own", e);
    }
  }

  /** A new spare of {@code size} bytes, or null if the store closed meanwhile. */
  private Spare prepare(long size) throws IOException {
    Path path = directory.spare(names.incrementAndGet());
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK_BYTES, size));
      for (long at = 0; at < size; at += zeros.capacity()) {
        if (closed) {
          discard(new Spare(path, channel, size));
          return null;
        }
        zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
        io.write(channel, zeros, at, path);
      }
      io.force(channel, true, path);
      return new Spare(path, channel, size);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private void discard(Spare spare) {
    try {
      spare.channel().close();
      io.delete(spare.path());
    } catch (IOException e) {
      // A leftover spare is a temporary: the next open deletes it.
    }
  }

  /** Stops the thread and deletes an unused spare. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    if (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      if (ready != null) {
        discard(ready);
        ready = null;
      }
    }
  }
}
