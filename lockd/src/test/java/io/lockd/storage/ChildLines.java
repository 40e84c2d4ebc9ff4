package io.lockd.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a child process's stdout on a daemon thread and hands over complete lines only: a kill can
 * cut the last line short, and a fragment like {@code "A 12"} of {@code "A 123 4"} would read as a
 * different decision.
 */
final class ChildLines {
  /** Returned by {@link #next} once the stream has ended. */
  static final String END = "\u0000end";

  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  ChildLines(InputStream in, String threadName) {
    Thread reader = new Thread(() -> readAll(in), threadName);
    reader.setDaemon(true);
    reader.start();
  }

  /** The next complete line, {@link #END}, or {@code null} if none came within the wait. */
  String next(long waitSeconds) throws InterruptedException {
    return lines.poll(waitSeconds, TimeUnit.SECONDS);
  }

  private void readAll(InputStream in) {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (in) {
      int b;
      while ((b = in.read()) != -1) {
        if (b == '\n') {
          lines.add(line.toString(StandardCharsets.US_ASCII));
          line.reset();
        } else {
          line.write(b);
        }
      }
    } catch (IOException e) {
      // The pipe breaks when the child dies; what was read completely still counts.
    } finally {
      lines.add(END);
    }
  }
}
