package io.lockd.client.it;

import io.lockd.client.LockClient;
import io.lockd.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A real lockd cell of separate JVMs on 127.0.0.1, started from this test's class path with the
 * daemon's own main class ({@code io.lockd.daemon.LockdMain}), each with its data and log under
 * {@code dir}. Replicas can be killed with SIGKILL and started again. Every wait is bounded; {@link
 * #close} kills what is left.
 */
public final class ProcessCell implements AutoCloseable {
  private final Path dir;
  private final List<String> extraFlags;
  private final IntFunction<List<String>> memberFlags;
  private final Map<Integer, String> peers = new TreeMap<>();
  private final Map<Integer, String> clients = new TreeMap<>();
  private final Map<Integer, Process> processes = new TreeMap<>();

  public ProcessCell(int size, Path dir, List<String> extraFlags) throws IOException {
    this(size, dir, extraFlags, id -> List.of());
  }

  /**
   * The same, with {@code memberFlags.apply(id)} given to member {@code id} only (its own TLS
   * certificate, say).
   */
  public ProcessCell(
      int size, Path dir, List<String> extraFlags, IntFunction<List<String>> memberFlags)
      throws IOException {
    this.dir = dir;
    this.extraFlags = List.copyOf(extraFlags);
    this.memberFlags = memberFlags;
    List<Integer> ports = FreePorts.distinct(2 * size);
    for (int id = 1; id <= size; id++) {
      peers.put(id, "127.0.0.1:" + ports.get(2 * id - 2));
      clients.put(id, "127.0.0.1:" + ports.get(2 * id - 1));
    }
    try {
      for (int id = 1; id <= size; id++) {
        start(id);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  public List<String> endpoints() {
    return List.copyOf(clients.values());
  }

  /** Member {@code id}'s peer address (host:port). */
  public String peerAddress(int id) {
    return peers.get(id);
  }

  /** Member {@code id}'s log file. */
  public Path log(int id) {
    return dir.resolve("r" + id).resolve("lockd.log");
  }

  public String endpoint(int id) {
    return clients.get(id);
  }

  public LockClient.Builder clientBuilder() {
    return LockClient.builder()
        .endpoints(endpoints())
        .operationTimeout(Duration.ofSeconds(30))
        .attemptTimeout(Duration.ofSeconds(1));
  }

  /** Starts (or restarts) replica {@code id} with its data directory. */
  public synchronized void start(int id) throws IOException {
    Process old = processes.get(id);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException("replica " + id + " runs already");
    }
    Path home = dir.resolve("r" + id);
    Files.createDirectories(home);
    List<String> cmd = new ArrayList<>(javaCommand());
    cmd.addAll(
        List.of(
            "io.lockd.daemon.LockdMain",
            "--cell",
            "it",
            "--id",
            Integer.toString(id),
            "--data-dir",
            home.resolve("data").toString()));
    for (int m : peers.keySet()) {
      cmd.add("--member");
      cmd.add(m + "=" + peers.get(m) + "," + clients.get(m));
    }
    cmd.addAll(extraFlags);
    cmd.addAll(memberFlags.apply(id));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("lockd.log").toFile()));
    processes.put(id, pb.start());
  }

  /** The JVM command line for a child process on this test's class path. */
  public static List<String> javaCommand() {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(
        java,
        "-Xms32m",
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Xss512k",
        "-cp",
        System.getProperty("java.class.path"));
  }

  /** SIGKILL of replica {@code id} (a crash); waits (bounded) until it is gone. */
  public synchronized void kill(int id) throws InterruptedException {
    Process p = processes.get(id);
    if (p != null) {
      kill(p);
    }
  }

  /** SIGKILL of a process and its children; waits (bounded) until it is gone. */
  public static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("process " + p.pid() + " did not die within 30 s");
    }
  }

  /** The id of the replica that leads, as a replica reports it (waits, bounded, for one). */
  public int awaitLeader(LockClient client, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        int leader = client.admin().cellStatus().leaderId();
        if (leader != 0 && processes.get(leader).isAlive()) {
          client.stat("/"); // serving, not only elected
          return leader;
        }
      } catch (RuntimeException e) {
        // not yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader within " + bound.toSeconds() + " s; logs under " + dir);
  }

  @Override
  public synchronized void close() {
    for (Process p : processes.values()) {
      try {
        kill(p);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
