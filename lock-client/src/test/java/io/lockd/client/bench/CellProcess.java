package io.lockd.client.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real cell ({@link CellMain}) in a child JVM on this JVM's class path, so that this JVM's CPU
 * time is the client's alone. Stopped by closing its input, then by its pid if it lingers.
 */
final class CellProcess implements AutoCloseable {
  private static final String LOGGING_CONFIG = "logback.configurationFile";

  private final Process process;
  private final List<String> addresses;

  CellProcess(int replicas) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
    String logging = System.getProperty(LOGGING_CONFIG);
    if (logging != null) {
      command.add("-D" + LOGGING_CONFIG + "=" + logging); // the servers log as this JVM does
    }
    command.add(CellMain.class.getName());
    command.add(Integer.toString(replicas));
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith(CellMain.READY)) {
      // skip anything printed before the addresses
    }
    if (line == null) {
      close();
      throw new IOException("the cell process ended before it printed its addresses");
    }
    addresses = List.of(line.substring(CellMain.READY.length()).split(","));
  }

  List<String> addresses() {
    return addresses;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
