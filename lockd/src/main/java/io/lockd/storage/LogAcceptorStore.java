package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.SnapshotSink;
import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The production {@link AcceptorStore}: an append-only, segmented, checksummed acceptor log, with
 * MapDB checkpoints written whole in the background (docs/storage.md has the formats and why each
 * rule is safe).
 *
 * <ul>
 *   <li>{@link #write} encodes its records into the group buffer and applies them to an in-memory
 *       mirror of the acceptor state; nothing reaches a file.
 *   <li>{@link #sync} writes everything buffered since the last sync as one group, with one
 *       positional write at the segment's append offset and one {@code fdatasync}. No reads, no
 *       file metadata changes, no MapDB. A sync with nothing buffered does nothing.
 *   <li>After a sync that applied a snapshot, or once the log grew by {@code checkpointLogBytes}
 *       since the last checkpoint, an immutable image of the mirror is handed to the checkpoint
 *       thread, which writes it as a MapDB file, syncs and renames it, and then deletes the
 *       segments it covers.
 *   <li>Opening recovers: the newest whole checkpoint plus the groups after it.
 * </ul>
 *
 * <p>Any failure of the log leaves the file's state after the last sync unknown, so after one every
 * call but {@link #close} fails: the replica must stop, and a restart recovers. A failed checkpoint
 * only logs an error and is tried again. Used by one thread at a time, apart from the store's own
 * background threads.
 */
public final class LogAcceptorStore implements AcceptorStore {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final DataDirectory directory;
  private final StorageIo io;
  private final LogStoreOptions options;
  private final AcceptorMirror mirror;
  private final RecoveredState recovered;
  private final GroupBuffer group = new GroupBuffer();
  private final SegmentPreparer preparer;
  private final LogAppender appender;
  private final Checkpointer checkpointer;
  private final SnapshotNumbers numbers;

  /**
   * The snapshot files of rebuilds in the log, by file number, with the seq of the group that
   * logged them ({@link #PENDING} until it is appended): kept until a checkpoint covers the group.
   * Written by the writer thread, read by the checkpoint thread.
   */
  private final ConcurrentSkipListMap<Long, Long> rebuildFiles = new ConcurrentSkipListMap<>();

  private static final long PENDING = Long.MAX_VALUE;

  private long lastSeq;
  private long logBytesSinceCheckpoint;
  private long logBytes;
  private long groups;
  private boolean closed;
  private RuntimeException failure;

  private LogAcceptorStore(
      DataDirectory directory, StorageIo io, LogStoreOptions options, LogRecovery.Result found)
      throws IOException {
    this.directory = directory;
    this.io = io;
    this.options = options;
    this.mirror = found.mirror();
    this.recovered = mirror.recovered();
    this.lastSeq = found.lastSeq();
    this.logBytesSinceCheckpoint = found.replayedBytes();
    this.numbers = SnapshotNumbers.above(directory);
    found.rebuildFiles().forEach((seq, number) -> rebuildFiles.put(number, seq));
    int n = INSTANCES.incrementAndGet();
    this.preparer =
        new SegmentPreparer(directory, io, options.segmentBytes(), "lockd-segment-prep-" + n);
    this.appender =
        new LogAppender(
            directory, io, found.segments(), preparer, found.lastSegment(), found.appendOffset());
    this.checkpointer =
        new Checkpointer(
            directory,
            io,
            found.segments(),
            found.checkpoint(),
            numbers,
            this::rebuildFilesAfter,
            options.checkpointRetryMillis(),
            "lockd-checkpoint-" + n);
    // A spare from the start: a new store's first sync then only renames it.
    preparer.start();
  }

  /** Opens (creating if needed) the store in {@code directory} with the default options. */
  public static LogAcceptorStore open(Path directory) {
    return open(directory, LogStoreOptions.defaults());
  }

  /**
   * Opens the store in {@code directory}, creating it if needed, and recovers its state. The
   * directory is locked while open: a second opener fails. A directory written by the older
   * MapDB-per-slot store is refused.
   */
  public static LogAcceptorStore open(Path directory, LogStoreOptions options) {
    return open(directory, options, StorageIo.Hook.NONE);
  }

  /** {@link #open(Path, LogStoreOptions)} with a fault-injection hook (tests only). */
  static LogAcceptorStore open(Path directory, LogStoreOptions options, StorageIo.Hook hook) {
    StorageIo io = new StorageIo(hook);
    DataDirectory dir;
    try {
      dir = DataDirectory.open(directory, io);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the acceptor store in " + directory, e);
    }
    try {
      return new LogAcceptorStore(dir, io, options, LogRecovery.run(dir, io));
    } catch (IOException | RuntimeException e) {
      try {
        dir.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof IOException io2) {
        throw new UncheckedIOException("cannot recover the acceptor store in " + directory, io2);
      }
      throw (RuntimeException) e;
    }
  }

  @Override
  public RecoveredState recover() {
    checkUsable();
    return recovered;
  }

  @Override
  public void write(List<StoreWrite> writes) {
    checkUsable();
    // Refused before anything changes, so a refusal leaves the store sound and usable.
    mirror.meta.validate(writes);
    try {
      for (StoreWrite w : writes) {
        StoreWrite logged = w instanceof StoreWrite.Rebuilt r ? withDurableFile(r) : w;
        group.add(logged);
        mirror.apply(logged);
      }
    } catch (RuntimeException e) {
      throw failed(e);
    }
  }

  /**
   * {@code r} with its snapshot in a numbered file of this directory, synced before the group that
   * logs the rebuild (which then refers to the file instead of carrying the bytes): a rebuild of a
   * large state is one small record, and its snapshot never one array. Runs on the writer's thread;
   * a rebuild is rare, and the replica serves nothing until it is done.
   */
  private StoreWrite.Rebuilt withDurableFile(StoreWrite.Rebuilt r) {
    if (r.state().size() == 0) {
      return r;
    }
    FileSnapshot file = SnapshotFiles.fileOf(r.state(), directory);
    if (file == null) {
      long number = numbers.next();
      rebuildFiles.put(number, PENDING); // before the file exists: no checkpoint deletes it
      try {
        file = SnapshotFiles.store(directory, number, r.state(), io, () -> false);
      } catch (IOException | CheckpointFile.Abandoned e) {
        throw new UncheckedIOException(
            new IOException("cannot write the snapshot of a rebuild in " + directory.root(), e));
      }
      SnapshotFiles.release(r.state(), file);
    }
    rebuildFiles.putIfAbsent(file.number(), PENDING);
    return new StoreWrite.Rebuilt(r.index(), r.droppedThrough(), file);
  }

  /**
   * The numbers of rebuilds' snapshot files the log after group {@code seq} still refers to; those
   * at or below it are forgotten (a checkpoint covering {@code seq} holds their effect).
   */
  private Set<Long> rebuildFilesAfter(long seq) {
    rebuildFiles.values().removeIf(logged -> logged <= seq);
    return Set.copyOf(rebuildFiles.keySet());
  }

  /** Writes the buffered records as one group: one write, one {@code fdatasync}. */
  @Override
  public void sync() {
    checkUsable();
    boolean snapshot = mirror.takeSnapshotChanged();
    if (!group.isEmpty()) {
      appendGroup();
    }
    if (snapshot || logBytesSinceCheckpoint >= options.checkpointLogBytes()) {
      // The mirror now holds exactly the groups up to lastSeq (and any snapshot): a boundary.
      checkpointer.request(mirror.image(lastSeq));
      logBytesSinceCheckpoint = 0;
    }
  }

  private void appendGroup() {
    long seq = lastSeq + 1;
    try {
      long bytes = appender.append(group.seal(seq), seq);
      logBytesSinceCheckpoint += bytes;
      logBytes += bytes;
    } catch (IOException e) {
      throw failed(new UncheckedIOException("acceptor log write failed in " + directory.wal(), e));
    } catch (RuntimeException e) {
      throw failed(e);
    }
    group.reset();
    lastSeq = seq;
    groups++;
    if (!rebuildFiles.isEmpty()) {
      rebuildFiles.replaceAll((number, logged) -> logged == PENDING ? seq : logged);
    }
  }

  /** How many groups {@link #sync} wrote: each one write and one {@code fdatasync}. */
  public long groups() {
    return groups;
  }

  /** Log bytes this store wrote, headers, trailers and alignment included (benchmarks). */
  long logBytes() {
    return logBytes;
  }

  /** The seq of the last group in the log. */
  long lastSeq() {
    return lastSeq;
  }

  /**
   * A sink that writes a snapshot being encoded to a temporary file of this store's directory, for
   * the next checkpoint to take without writing it again. Any thread may use one.
   */
  public SnapshotSink snapshotSink() {
    return new FileSnapshotSink(directory, io);
  }

  /** The last group a durable checkpoint covers. */
  long durableCheckpointSeq() {
    return checkpointer.durableSeq();
  }

  /** The snapshot index of the newest durable checkpoint. */
  long durableSnapshotIndex() {
    return checkpointer.durableSnapshotIndex();
  }

  long checkpointFailures() {
    return checkpointer.failures();
  }

  /** Asks for a checkpoint of the state after the last sync (tests and benchmarks). */
  void requestCheckpoint() {
    checkUsable();
    Invariants.check(group.isEmpty(), "checkpoint requested with unsynced writes");
    checkpointer.request(mirror.image(lastSeq));
    logBytesSinceCheckpoint = 0;
  }

  /**
   * Makes everything synced so far durable in a checkpoint now, its snapshot included, and waits
   * for it: for a tool that writes a snapshot and exits ({@code lockd restore}). False if that did
   * not happen within {@code timeoutMillis} (a failing checkpoint is retried until then).
   */
  public boolean checkpointNow(long timeoutMillis) {
    requestCheckpoint();
    return awaitCheckpoints(timeoutMillis) && checkpointer.durableSeq() >= lastSeq;
  }

  /** Waits until no checkpoint is queued or running; false if that took too long (tests). */
  boolean awaitCheckpoints(long timeoutMillis) {
    try {
      return checkpointer.awaitIdle(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Stops the background threads (a checkpoint in progress is abandoned) and releases the
   * directory. Writes not synced are dropped: they never reached a file.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    checkpointer.close();
    preparer.close();
    try {
      appender.close();
    } catch (IOException e) {
      // Nothing unsynced is in the file; closing the channel has nothing left to lose.
    }
    try {
      directory.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lock of " + directory.root(), e);
    }
  }

  private void checkUsable() {
    Invariants.check(!closed, "store is closed");
    if (failure != null) {
      throw new IllegalStateException("store failed earlier; reopen it to recover", failure);
    }
  }

  private RuntimeException failed(RuntimeException e) {
    failure = e;
    return e;
  }
}
