package io.lockd.storage;

import io.lockd.paxos.MemorySnapshot;
import io.lockd.paxos.SnapshotBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

/**
 * Snapshots as files of their own beside the checkpoints ({@code snapshot-<number>.snap}): written
 * once, by the first checkpoint that holds the snapshot, and referred to by every later checkpoint
 * until a newer snapshot replaces it. A checkpoint that embedded the snapshot rewrote all of it
 * each time the log grew by a checkpoint's worth, and recovery read it back into one array.
 */
final class SnapshotFiles {
  private static final int CHUNK_BYTES = 1 << 20;

  private SnapshotFiles() {}

  /**
   * {@code snapshot} as a file of {@code directory}: the file it already is (or was moved to), or a
   * new one written durably as number {@code number}, which no file of the directory had before.
   * Null for an empty snapshot (no file). Checks {@code abandoned} between chunks and gives up
   * (deleting the temporary) once it says so.
   */
  static FileSnapshot store(
      DataDirectory directory,
      long number,
      SnapshotBytes snapshot,
      StorageIo io,
      BooleanSupplier abandoned)
      throws IOException, CheckpointFile.Abandoned {
    if (snapshot.size() == 0) {
      return null;
    }
    FileSnapshot existing = fileOf(snapshot, directory);
    if (existing != null) {
      return existing;
    }
    Path file = directory.snapshot(number);
    if (snapshot instanceof FileSnapshot encoded && encoded.number() == 0) {
      try {
        // Written by the encoder (or a transfer): synced and named here, never copied.
        syncFile(encoded.file(), io);
        io.rename(encoded.file(), file);
        io.fsync(directory.root());
        encoded.numbered(number, file);
        return encoded;
      } catch (NoSuchFileException e) {
        // Not in this directory (any more): copied below, as bytes from anywhere are.
      }
    }
    Path tmp = directory.snapshotTmp(number);
    io.delete(tmp);
    boolean renamed = false;
    try {
      int crc = write(tmp, snapshot, io, abandoned);
      io.rename(tmp, file);
      renamed = true;
      io.fsync(directory.root());
      return FileSnapshot.open(file, number, snapshot.size(), crc, false);
    } finally {
      if (!renamed) {
        io.delete(tmp);
      }
    }
  }

  private static void syncFile(Path file, StorageIo io) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      io.force(channel, true, file);
    }
  }

  /** The file of {@code directory} that {@code snapshot} is or was moved to, if any. */
  static FileSnapshot fileOf(SnapshotBytes snapshot, DataDirectory directory) {
    SnapshotBytes where = snapshot;
    if (where instanceof MemorySnapshot m && m.isMoved()) {
      where = m.movedCopy();
    }
    if (where instanceof FileSnapshot f
        && f.number() > 0
        && f.file().equals(directory.snapshot(f.number()))) {
      return f;
    }
    return null;
  }

  /**
   * Lets the heap's copy of {@code snapshot} go now that {@code file} holds it durably: everyone
   * holding {@code snapshot} reads the file from now on.
   */
  static void release(SnapshotBytes snapshot, FileSnapshot file) {
    if (file != null && snapshot instanceof MemorySnapshot m && !m.isMoved()) {
      m.movedTo(file);
    }
  }

  private static int write(
      Path tmp, SnapshotBytes snapshot, StorageIo io, BooleanSupplier abandoned)
      throws IOException, CheckpointFile.Abandoned {
    CRC32C crc = new CRC32C();
    try (FileChannel channel =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long size = snapshot.size();
      byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, size)];
      for (long at = 0; at < size; at += chunk.length) {
        if (abandoned.getAsBoolean()) {
          throw new CheckpointFile.Abandoned();
        }
        int n = (int) Math.min(chunk.length, size - at);
        snapshot.read(at, chunk, 0, n);
        crc.update(chunk, 0, n);
        io.write(channel, ByteBuffer.wrap(chunk, 0, n), at, tmp);
      }
      io.force(channel, true, tmp);
    }
    return (int) crc.getValue();
  }

  /** CRC32C of every byte of {@code snapshot}, read a chunk at a time. */
  static int crc32c(SnapshotBytes snapshot) {
    CRC32C crc = new CRC32C();
    long size = snapshot.size();
    byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, size)];
    for (long at = 0; at < size; at += chunk.length) {
      int n = (int) Math.min(chunk.length, size - at);
      snapshot.read(at, chunk, 0, n);
      crc.update(chunk, 0, n);
    }
    return (int) crc.getValue();
  }
}
