package io.lockd.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * The store file of a {@link MapDbAcceptorStore}, made crash safe: everything written between two
 * {@link #sync} calls reaches the file as one unit or not at all.
 *
 * <p>Why: MapDB 3.1's transactional store ({@code StoreWAL}) is not crash safe by itself. Its
 * {@code commit()} fsyncs its write-ahead log, then overwrites the store file in place with one
 * {@code pwrite} per changed header, index slot and record, then fsyncs the file. Nothing ever
 * reads the log back: on open it only reads the store file, and the log does not even hold the
 * changed index slots. A kill -9 between those writes leaves index slots that point at record
 * space still holding old bytes, or at nothing. docs/storage.md has the evidence.
 *
 * <p>How: writes are kept in memory (reads see them) until {@code sync()}, which MapDB calls once
 * at the end of each commit. {@code sync()} writes them all to the journal file
 * ({@link CommitJournal}) and syncs it, then writes them into the store file and syncs that,
 * then empties the journal. Opening finishes a complete journal left by a crash, or drops one the
 * crash cut short (then the store file was never touched). Growing the file goes straight through:
 * it only adds zeros past the end the committed state uses.
 *
 * <p>The journal file is locked while the volume is open, so a second process cannot replay a
 * journal under a running store. MapDB writes the store file only inside {@code commit()}, holding
 * all its locks, so no read runs alongside a write and the pending writes need no lock of their
 * own.
 */
final class JournaledVolume extends ForwardingVolume {
  /** Sees each step of a sync, for tests that copy the files at every point a crash could hit. */
  interface Steps {
    Steps NONE = step -> {};

    void reached(String step);
  }

  private final FileChannel journal;
  private final FileLock journalLock;
  private final Steps steps;
  private final List<CommitJournal.Range> pending = new ArrayList<>();
  private long pendingEnd;

  private JournaledVolume(Volume file, FileChannel journal, FileLock lock, Steps steps) {
    super(file);
    this.journal = journal;
    this.journalLock = lock;
    this.steps = steps;
  }

  /**
   * Locks the journal, finishes or drops what a crash left in it, and only then opens the store
   * file through {@code openFile}, so the file is read after recovery.
   */
  static JournaledVolume open(
      Path file, Path journalFile, Supplier<Volume> openFile, Steps steps) {
    FileChannel journal = null;
    try {
      journal =
          FileChannel.open(
              journalFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock = tryLock(journal, journalFile);
      recover(file, journal);
      return new JournaledVolume(openFile.get(), journal, lock, steps);
    } catch (IOException e) {
      closeQuietly(journal);
      throw new UncheckedIOException("cannot open the commit journal " + journalFile, e);
    } catch (RuntimeException | Error e) {
      closeQuietly(journal);
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel journal, Path journalFile) throws IOException {
    FileLock lock;
    try {
      lock = journal.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw new IllegalStateException("store is open elsewhere: " + journalFile + " is locked");
    }
    return lock;
  }

  /** Applies a complete journal to the store file, or drops one the crash cut short. */
  private static void recover(Path file, FileChannel journal) throws IOException {
    if (journal.size() == 0) {
      return;
    }
    List<CommitJournal.Range> ranges = CommitJournal.read(journal);
    if (ranges != null) {
      try (FileChannel store =
          FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        for (CommitJournal.Range range : ranges) {
          writeFully(store, range.offset(), ByteBuffer.wrap(range.bytes()));
        }
        store.force(true);
      }
    }
    journal.truncate(0);
    journal.force(true);
  }

  @Override
  public void putLong(long offset, long value) {
    buffer(offset, ByteBuffer.allocate(Long.BYTES).putLong(0, value).array());
  }

  @Override
  public void putInt(long offset, int value) {
    buffer(offset, ByteBuffer.allocate(Integer.BYTES).putInt(0, value).array());
  }

  @Override
  public void putByte(long offset, byte value) {
    buffer(offset, new byte[] {value});
  }

  @Override
  public void putData(long offset, byte[] src, int srcPos, int srcSize) {
    buffer(offset, Arrays.copyOfRange(src, srcPos, srcPos + srcSize));
  }

  @Override
  public void putData(long offset, ByteBuffer buf) {
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    buffer(offset, bytes);
  }

  @Override
  public void clear(long startOffset, long endOffset) {
    buffer(startOffset, new byte[Math.toIntExact(endOffset - startOffset)]);
  }

  @Override
  public long getLong(long offset) {
    return pending.isEmpty() ? delegate.getLong(offset) : ByteBuffer.wrap(read(offset, 8)).getLong();
  }

  @Override
  public int getInt(long offset) {
    return pending.isEmpty() ? delegate.getInt(offset) : ByteBuffer.wrap(read(offset, 4)).getInt();
  }

  @Override
  public byte getByte(long offset) {
    return pending.isEmpty() ? delegate.getByte(offset) : read(offset, 1)[0];
  }

  @Override
  public DataInput2 getDataInput(long offset, int size) {
    return pending.isEmpty()
        ? delegate.getDataInput(offset, size)
        : new DataInput2.ByteArray(read(offset, size));
  }

  @Override
  public void getData(long offset, byte[] bytes, int bytesPos, int size) {
    if (pending.isEmpty()) {
      delegate.getData(offset, bytes, bytesPos, size);
    } else {
      System.arraycopy(read(offset, size), 0, bytes, bytesPos, size);
    }
  }

  @Override
  public long length() {
    return Math.max(delegate.length(), pendingEnd);
  }

  @Override
  public void truncate(long size) {
    if (!pending.isEmpty()) {
      throw new IllegalStateException("truncate with unsynced writes");
    }
    delegate.truncate(size);
  }

  /** Makes every write since the last sync durable, all of them or (after a crash) none. */
  @Override
  public void sync() {
    if (pending.isEmpty()) {
      delegate.sync();
      return;
    }
    try {
      CommitJournal.write(journal, pending);
      steps.reached("journal written");
      journal.force(false);
      steps.reached("journal synced");
      for (int i = 0; i < pending.size(); i++) {
        CommitJournal.Range range = pending.get(i);
        delegate.putData(range.offset(), range.bytes(), 0, range.bytes().length);
        if (steps != Steps.NONE) {
          steps.reached("range " + (i + 1) + " of " + pending.size() + " written");
        }
      }
      delegate.sync();
      steps.reached("store synced");
      // Not synced: if the emptying is lost, the next open applies the same bytes again.
      journal.truncate(0);
      steps.reached("journal emptied");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the commit journal", e);
    }
    pending.clear();
    pendingEnd = 0;
  }

  /** Drops writes never synced, as a crash would, and releases the journal. */
  @Override
  public void close() {
    if (isClosed()) {
      return;
    }
    pending.clear();
    try {
      super.close();
    } finally {
      try {
        journalLock.release();
      } catch (IOException e) {
        // The channel closes next, which releases the lock anyway.
      }
      closeQuietly(journal);
    }
  }

  private void buffer(long offset, byte[] bytes) {
    pending.add(new CommitJournal.Range(offset, bytes));
    pendingEnd = Math.max(pendingEnd, offset + bytes.length);
  }

  /** Reads {@code [offset, offset + size)} as the file will hold it once the pending writes land. */
  private byte[] read(long offset, int size) {
    byte[] out = new byte[size];
    long fileLength = delegate.length();
    int fromFile = (int) Math.max(0, Math.min(size, fileLength - offset));
    if (fromFile > 0) {
      delegate.getData(offset, out, 0, fromFile);
    }
    long end = offset + size;
    for (CommitJournal.Range range : pending) {
      long from = Math.max(offset, range.offset());
      long to = Math.min(end, range.offset() + range.bytes().length);
      if (from < to) {
        System.arraycopy(
            range.bytes(), (int) (from - range.offset()), out, (int) (from - offset), (int) (to - from));
      }
    }
    return out;
  }

  private static void writeFully(FileChannel channel, long offset, ByteBuffer bytes)
      throws IOException {
    while (bytes.hasRemaining()) {
      offset += channel.write(bytes, offset);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing left to save.
    }
  }
}
