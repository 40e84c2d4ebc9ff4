package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads and damages log files directly, for the tests of recovery rules. */
final class LogFiles {
  /** A group's place in its segment: header start and bytes up to the end of its trailer. */
  record Group(long seq, int offset, int bytes) {}

  private LogFiles() {}

  static List<Path> segments(Path store) {
    return list(store.resolve(DataDirectory.WAL), ".wal");
  }

  static List<Path> checkpoints(Path store) {
    return list(store, ".db");
  }

  private static List<Path> list(Path folder, String suffix) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The groups of a segment as its headers say, up to the first zero header. */
  static List<Group> groups(Path segment) {
    ByteBuffer bytes = ByteBuffer.wrap(read(segment));
    List<Group> groups = new ArrayList<>();
    long offset = 0;
    while (true) {
      int at = (int) GroupFormat.headerStart(offset);
      if (at + GroupFormat.HEADER_BYTES > bytes.capacity() || bytes.getLong(at) == 0) {
        return groups;
      }
      int total = (int) GroupFormat.groupBytes(GroupFormat.payloadBytes(bytes, at));
      groups.add(new Group(GroupFormat.seq(bytes, at), at, total));
      offset = at + total;
    }
  }

  /** The last group of the last segment. */
  static Group lastGroup(Path store) {
    List<Path> segments = segments(store);
    List<Group> groups = groups(segments.get(segments.size() - 1));
    return groups.get(groups.size() - 1);
  }

  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void flipBit(Path file, long bit) {
    byte[] bytes = read(file);
    bytes[(int) (bit / 8)] ^= (byte) (1 << (bit % 8));
    write(file, bytes);
  }

  static void zero(Path file, long from, long to) {
    byte[] bytes = read(file);
    for (long i = from; i < to; i++) {
      bytes[(int) i] = 0;
    }
    write(file, bytes);
  }

  /** Copies every file of a store (the lock file aside) from one directory to another. */
  static void copyStore(Path from, Path to) {
    try {
      deleteStore(to);
      Files.createDirectories(to.resolve(DataDirectory.WAL));
      for (Path f : list(from, "")) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().equals(DataDirectory.LOCK)) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
      for (Path f : list(from.resolve(DataDirectory.WAL), "")) {
        Files.copy(f, to.resolve(DataDirectory.WAL).resolve(f.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteStore(Path store) throws IOException {
    if (!Files.exists(store)) {
      return;
    }
    if (Files.exists(store.resolve(DataDirectory.WAL))) {
      for (Path f : list(store.resolve(DataDirectory.WAL), "")) {
        Files.delete(f);
      }
    }
    for (Path f : list(store, "")) {
      Files.delete(f);
    }
    Files.delete(store);
  }

  /** Two recovered states are the same, snapshot bytes included. */
  static void assertSameState(RecoveredState expected, RecoveredState actual) {
    assertEquals(expected.promised(), actual.promised(), "promised");
    assertEquals(expected.chosenIndex(), actual.chosenIndex(), "chosen index");
    assertEquals(expected.snapshotIndex(), actual.snapshotIndex(), "snapshot index");
    assertArrayEquals(expected.snapshot().toArray(), actual.snapshot().toArray(), "snapshot");
    assertEquals(expected.accepted(), actual.accepted(), "accepted entries");
  }
}
