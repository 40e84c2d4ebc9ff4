package io.lockd.storage;

import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * A snapshot written straight to a temporary file of the data directory, block by block as the
 * encoder fills them (on the encoder's thread) or as a peer's chunks arrive (on the replica's
 * loop): the heap holds one block at a time instead of the whole snapshot. The next checkpoint
 * renames the file into place rather than writing it again ({@link SnapshotFiles#store}).
 */
final class FileSnapshotSink implements SnapshotSink {
  /** Unique within the process: a stale temporary's cleanup never meets a newer file's name. */
  private static final AtomicLong NEXT = new AtomicLong();

  private final Path file;
  private final StorageIo io;
  private final FileChannel channel;
  private final CRC32C crc = new CRC32C();
  private long size;

  FileSnapshotSink(DataDirectory directory, StorageIo io) {
    this.file = directory.encodingTmp(NEXT.incrementAndGet());
    this.io = io;
    try {
      this.channel =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file + " for a snapshot", e);
    }
  }

  @Override
  public void write(byte[] block, int length) {
    try {
      io.write(channel, ByteBuffer.wrap(block, 0, length), size, file);
    } catch (IOException e) {
      abandon();
      throw new UncheckedIOException("cannot write a snapshot to " + file, e);
    }
    crc.update(block, 0, length);
    size += length;
  }

  /**
   * The bytes written, as a temporary file. Not synced here: the checkpoint that takes the file
   * syncs it before naming it (a received snapshot is finished on the replica's loop, which must
   * not wait for a gigabyte to reach the disk).
   */
  @Override
  public SnapshotBytes finish() {
    try {
      channel.close();
      return FileSnapshot.temporary(file, size, (int) crc.getValue());
    } catch (IOException e) {
      abandon();
      throw new UncheckedIOException("cannot finish the snapshot in " + file, e);
    }
  }

  @Override
  public void abandon() {
    try {
      channel.close();
      io.delete(file);
    } catch (IOException e) {
      // a temporary: the next open deletes it
    }
  }
}
