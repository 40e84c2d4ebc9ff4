package io.lockd.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One client process ({@link ScaleSessionProcess}) and its output. */
final class ScaleSessionChild {
  private final Process process;
  private final BufferedReader lines;

  /** Why its sessions' KeepAlive streams were reopened while kept ({@code done ... why=}). */
  String reopenReasons = "";

  private ScaleSessionChild(Process process) {
    this.process = process;
    this.lines =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static ScaleSessionChild start(
      Map<Integer, String> addresses, int count, ScaleBenchmark.Settings s, String name, Path dir)
      throws IOException {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g",
            "-XX:+UseSerialGC",
            "-cp",
            classPath(),
            ScaleSessionProcess.class.getName(),
            String.join(",", addresses.values()),
            Integer.toString(count),
            Long.toString(s.leaseMillis()),
            name,
            Long.toString(s.seconds() + 3_600L),
            System.getProperty("scale.keepalive", "batched"));
    return new ScaleSessionChild(
        new ProcessBuilder(command).redirectError(dir.resolve(name + ".err").toFile()).start());
  }

  /** Waits for {@code created N MILLIS}; returns N. */
  long awaitCreated(long timeoutMillis) throws IOException {
    String line = awaitLine("created ", timeoutMillis);
    return Long.parseLong(line.split(" ")[1]);
  }

  void stop() {
    try {
      process.getOutputStream().write("stop\n".getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      process.destroy(); // already gone
    }
  }

  /** Waits for {@code done ...}; returns {expired, restarts}. */
  long[] awaitDone(long timeoutMillis) throws Exception {
    String line = awaitLine("done ", timeoutMillis);
    int why = line.indexOf(" why=");
    reopenReasons = why < 0 ? "" : line.substring(why + 5);
    long[] out = new long[2];
    for (String f : line.split(" ")) {
      if (f.startsWith("expired=")) {
        out[0] = Long.parseLong(f.substring(8));
      } else if (f.startsWith("restarts=")) {
        out[1] = Long.parseLong(f.substring(9));
      }
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return out;
  }

  private String awaitLine(String prefix, long timeoutMillis) throws IOException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < end) {
      if (!lines.ready()) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "a session process ended (" + process.exitValue() + ") before '" + prefix + "'");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        continue;
      }
      String line = lines.readLine();
      if (line == null) {
        throw new IllegalStateException("a session process closed its output before " + prefix);
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("no '" + prefix + "' from a session process in time");
  }

  /**
   * This JVM's class path for a child JVM: under {@code exec:java} the project's classes are in the
   * plugin's class loader, not on {@code java.class.path}.
   */
  private static String classPath() {
    List<String> entries = new ArrayList<>();
    for (ClassLoader l = Thread.currentThread().getContextClassLoader();
        l != null;
        l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException e) {
            // not a file: skip
          }
        }
      }
    }
    entries.add(System.getProperty("java.class.path"));
    return String.join(java.io.File.pathSeparator, entries);
  }
}
