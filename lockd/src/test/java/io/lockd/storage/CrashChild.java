package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a {@link CrashingAcceptorMain} child JVM, possibly behind a wrapper command (strace),
 * and the acknowledgements read from it. Waits are bounded only so that a hung child fails the
 * build instead of hanging it; nothing is asserted about time.
 */
final class CrashChild {
  static final long WAIT_SECONDS = 120;

  private final Process process;
  private final ChildLines lines;
  private final Path stderr;
  private boolean done;

  private CrashChild(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.lines = new ChildLines(process.getInputStream(), "crash-child-" + process.pid());
  }

  /** Starts {@code wrapper... java ... CrashingAcceptorMain store seed options...}. */
  static CrashChild start(
      List<String> wrapper, Path store, long seed, List<String> options, Path stderr)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-cp",
            System.getProperty("java.class.path"),
            CrashingAcceptorMain.class.getName(),
            store.toString(),
            Long.toString(seed)));
    command.addAll(options);
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    return new CrashChild(process, stderr);
  }

  /**
   * Reads acknowledgements into {@code acked} until {@code decisions} were read or the output
   * ended; returns how many were read.
   */
  int readDecisions(AckedDecisions acked, int decisions) throws InterruptedException {
    String first = lines.next(WAIT_SECONDS);
    assertNotNull(first, () -> "child silent; " + trouble());
    if (first.equals(ChildLines.END)) {
      return 0;
    }
    assertEquals("OPENING", first, this::trouble);
    int read = 0;
    while (read < decisions) {
      String line = lines.next(WAIT_SECONDS);
      assertNotNull(line, () -> "child silent for " + WAIT_SECONDS + " s; " + trouble());
      if (line.equals(ChildLines.END)) {
        return read;
      }
      read += record(line, acked);
    }
    return read;
  }

  /** Reads the rest of the output (the child died or finished): it was acknowledged too. */
  void drain(AckedDecisions acked) throws InterruptedException {
    for (String line = lines.next(WAIT_SECONDS); !ChildLines.END.equals(line); ) {
      assertNotNull(line, "child's output did not end after its death");
      record(line, acked);
      line = lines.next(WAIT_SECONDS);
    }
  }

  /** SIGKILL (on Linux) to this one process: nothing in the child gets to run. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertTrue(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "child did not die");
  }

  /** Waits for the child to end by itself; returns its exit status. */
  int awaitExit() throws InterruptedException {
    assertTrue(
        process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), () -> "child still runs; " + trouble());
    return process.exitValue();
  }

  /** Whether the child printed DONE: it wrote all its batches and closed the store. */
  boolean finished() {
    return done;
  }

  private int record(String line, AckedDecisions acked) {
    switch (line) {
      case "OPENING", "OPENED" -> {
        return 0;
      }
      case "DONE" -> {
        done = true;
        return 0;
      }
      default -> {
        acked.ack(line);
        return 1;
      }
    }
  }

  String trouble() {
    try {
      String text = Files.readString(stderr);
      return "child stderr: " + text.substring(Math.max(0, text.length() - 4000));
    } catch (IOException e) {
      return "child stderr unreadable: " + e;
    }
  }
}
