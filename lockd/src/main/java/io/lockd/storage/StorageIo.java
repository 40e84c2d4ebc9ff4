package io.lockd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every call by which the store changes its files: writes, flushes, renames and deletes. They all
 * pass through here so that a crash test can stop the process right before or after any one of them
 * ({@link Hook}), checkpoints included (MapDB builds those in memory; the file writes are ours).
 *
 * <p>The hook is set only through package-private factories, which the test sources use; there is
 * no flag or property a deployed process could read.
 */
final class StorageIo {
  /** The kinds of file change, for fault injection. */
  enum Op {
    WRITE,
    FORCE,
    RENAME,
    DELETE
  }

  /** Told about each file change; may throw to fail it, or halt the process. */
  interface Hook {
    Hook NONE = (op, file) -> {};

    void before(Op op, Path file) throws IOException;

    default void after(Op op, Path file) throws IOException {}
  }

  static final StorageIo PLAIN = new StorageIo(Hook.NONE);

  private final Hook hook;

  StorageIo(Hook hook) {
    this.hook = hook;
  }

  /** Writes all of {@code buf} at {@code position}: one positional write, looped if short. */
  void write(FileChannel channel, ByteBuffer buf, long position, Path file) throws IOException {
    hook.before(Op.WRITE, file);
    long at = position;
    while (buf.hasRemaining()) {
      at += channel.write(buf, at);
    }
    hook.after(Op.WRITE, file);
  }

  /** {@code fdatasync} ({@code metadata} false) or {@code fsync} of an open file. */
  void force(FileChannel channel, boolean metadata, Path file) throws IOException {
    hook.before(Op.FORCE, file);
    channel.force(metadata);
    hook.after(Op.FORCE, file);
  }

  /** {@code fsync} of a file or a directory by name (a directory makes its entries durable). */
  void fsync(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      force(channel, true, path);
    }
  }

  /** Atomic rename, replacing {@code to} if it exists. */
  void rename(Path from, Path to) throws IOException {
    hook.before(Op.RENAME, from);
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    hook.after(Op.RENAME, to);
  }

  void delete(Path file) throws IOException {
    hook.before(Op.DELETE, file);
    Files.deleteIfExists(file);
    hook.after(Op.DELETE, file);
  }
}
