package io.lockd.server.grpc;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a data directory started with: its cell and the configuration at slot 0. The options name
 * the members a replica finds the cell by, and they change over the cell's life (a replica added,
 * one removed); the configuration at slot 0 must not, or a restarted replica would count the slots
 * before the first change with the wrong voters. So the first start writes it down, and every later
 * start of the same directory takes it from there (docs/operations.md, "Membership").
 */
final class CellOrigin {
  static final String FILE = "cell-origin";

  /** Files every started directory has that hold no replica state. */
  private static final Set<String> NOT_STATE = Set.of("lockd.lock", "LOCK", "wal");

  private CellOrigin() {}

  /**
   * Refuses {@code --join} on a data directory that holds state: a replica that already joined (or
   * ran in any cell) restarts without it, and its promises must not be mixed with a fresh start.
   */
  static void refuseJoinOnState(LockdConfig config) {
    if (!config.join()) {
      return;
    }
    List<String> state = state(config.dataDir());
    if (!state.isEmpty()) {
      throw new IllegalArgumentException(
          "--join needs an empty data directory, but "
              + config.dataDir()
              + " holds state ("
              + String.join(", ", state)
              + "): a replica that has joined restarts without --join; a new replica needs a new"
              + " data directory and a new id");
    }
  }

  /**
   * The voters of slot 0 for this replica: read from the data directory if it started before
   * (refusing another cell's directory), else those of {@code config}, written down first.
   */
  static List<Integer> settle(LockdConfig config) {
    refuseJoinOnState(config);
    Path dir = config.dataDir();
    Path file = dir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        return read(file, config.cell());
      }
      List<Integer> voters = config.paxos().replicaIds();
      write(dir, config.cell(), voters);
      return voters;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write " + file, e);
    }
  }

  private static List<Integer> read(Path file, String cell) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    String origin = p.getProperty("cell", "");
    if (!origin.equals(cell)) {
      throw new IllegalArgumentException(
          "data directory "
              + file.getParent()
              + " belongs to cell '"
              + origin
              + "', not '"
              + cell
              + "' ("
              + file
              + ")");
    }
    List<Integer> voters = new ArrayList<>();
    try {
      for (String id : p.getProperty("initial-voters", "").split(",")) {
        voters.add(Integer.parseInt(id.trim()));
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(file + " is damaged: initial-voters is not a list of ids");
    }
    return voters;
  }

  private static void write(Path dir, String cell, List<Integer> voters) throws IOException {
    Files.createDirectories(dir);
    String text =
        "# written when this data directory first started; lockd reads it at every start\n"
            + "cell="
            + cell
            + "\ninitial-voters="
            + voters.stream().map(String::valueOf).collect(Collectors.joining(","))
            + "\n";
    Path tmp = dir.resolve(FILE + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** The names of what {@code dir} holds beyond an empty start. */
  private static List<String> state(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> !NOT_STATE.contains(p.getFileName().toString()) || nonEmptyDirectory(p))
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the data directory " + dir, e);
    }
  }

  private static boolean nonEmptyDirectory(Path p) {
    if (!Files.isDirectory(p)) {
      return false;
    }
    try (Stream<Path> inside = Files.list(p)) {
      return inside.findAny().isPresent();
    } catch (IOException e) {
      return true;
    }
  }
}
