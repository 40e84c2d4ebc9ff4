package io.lockd.it;

import io.lockd.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A cell of real {@code lockd} processes on 127.0.0.1: one JVM per member, ports chosen at run
 * time, each member's data in {@code root/rN/data} and its output in {@code root/rN/lockd.log}.
 *
 * <p>Processes are only ever signalled through the {@link Process} handle this class started (that
 * is, by their own pid): {@link #kill} is SIGKILL of one member, {@link #close} SIGTERM of every
 * member still running, then SIGKILL of any that did not stop within a bounded wait. A JVM shutdown
 * hook does the same if the owner never calls {@link #close}.
 */
public final class LockdProcesses implements AutoCloseable {
  private static final long STOP_WAIT_MILLIS = 10_000;

  private final Path root;
  private final List<String> launch;
  private final List<String> flags;
  private final Map<Integer, String> peerAddresses = new TreeMap<>();
  private final Map<Integer, String> clientAddresses = new TreeMap<>();
  private final Map<Integer, Process> processes = new TreeMap<>();
  private final Thread shutdownHook = new Thread(this::close, "lockd-processes-cleanup");

  /**
   * @param size members, ids 1..size
   * @param root where each member's data and log go
   * @param launch the command that starts one lockd JVM, up to (excluding) lockd's own flags:
   *     {@link #fromTestClasspath} or {@link #fromJar}
   * @param flags lockd flags given to every member (timing, limits), besides id, cell, members and
   *     data dir
   */
  public LockdProcesses(int size, Path root, List<String> launch, List<String> flags)
      throws IOException {
    this.root = root;
    this.launch = List.copyOf(launch);
    this.flags = List.copyOf(flags);
    List<Integer> ports = FreePorts.distinct(2 * size);
    for (int id = 1; id <= size; id++) {
      peerAddresses.put(id, "127.0.0.1:" + ports.get(2 * (id - 1)));
      clientAddresses.put(id, "127.0.0.1:" + ports.get(2 * (id - 1) + 1));
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts lockd from this JVM's class path (tests: the surefire class path). */
  public static List<String> fromTestClasspath(List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.lockd.daemon.LockdMain");
    return command;
  }

  /** Starts lockd from the built jar ({@code lockd/target/lockd.jar}, with its {@code lib/}). */
  public static List<String> fromJar(Path jar, List<String> jvmOptions) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build it first " + "(./mvnw -B -q -DskipTests install)");
    }
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    return command;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public Map<Integer, String> clientAddresses() {
    return Map.copyOf(clientAddresses);
  }

  public int size() {
    return clientAddresses.size();
  }

  public Path log(int id) {
    return root.resolve("r" + id).resolve("lockd.log");
  }

  /** Starts every member. */
  public void startAll() throws IOException {
    for (int id : clientAddresses.keySet()) {
      start(id);
    }
  }

  /** Starts member {@code id} (again: with the same data directory); returns its pid. */
  public synchronized long start(int id) throws IOException {
    return start(id, clientAddresses.keySet(), List.of());
  }

  /**
   * Gives member {@code id} new ports (it is not started): a replica that will join the running
   * cell ({@link #startJoining}) once the cell added it.
   */
  public synchronized void newMember(int id) {
    if (clientAddresses.containsKey(id)) {
      throw new IllegalArgumentException("replica " + id + " exists already");
    }
    List<Integer> ports = FreePorts.distinct(2);
    peerAddresses.put(id, "127.0.0.1:" + ports.get(0));
    clientAddresses.put(id, "127.0.0.1:" + ports.get(1));
  }

  public synchronized String peerAddress(int id) {
    return peerAddresses.get(id);
  }

  /**
   * Starts member {@code id} with {@code lockd --join} on its (empty) data directory, finding the
   * cell through {@code members}; returns its pid.
   */
  public synchronized long startJoining(int id, java.util.Collection<Integer> members)
      throws IOException {
    java.util.Set<Integer> listed = new java.util.TreeSet<>(members);
    listed.add(id);
    return start(id, listed, List.of("--join"));
  }

  /** SIGTERM of member {@code id} (its own pid), then a bounded wait; SIGKILL if it lingers. */
  public synchronized void stop(int id) throws InterruptedException {
    Process p = processes.get(id);
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!p.waitFor(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private long start(int id, java.util.Collection<Integer> members, List<String> more)
      throws IOException {
    Process old = processes.get(id);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException("replica " + id + " runs already (pid " + old.pid() + ")");
    }
    Path dir = root.resolve("r" + id);
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>(launch);
    command.addAll(
        List.of(
            "--cell",
            "it",
            "--id",
            Integer.toString(id),
            "--data-dir",
            dir.resolve("data").toString(),
            // plaintext: every caller is anonymous, and the tests list and force-close sessions
            "--allow-anonymous-admin"));
    command.addAll(more);
    for (int member : members) {
      command.add("--member");
      command.add(member + "=" + peerAddresses.get(member) + "," + clientAddresses.get(member));
    }
    command.addAll(flags);
    Path logFile = log(id);
    Files.writeString(
        logFile,
        "---- starting replica " + id + ": " + String.join(" ", flags) + System.lineSeparator(),
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    processes.put(id, p);
    return p.pid();
  }

  public synchronized boolean alive(int id) {
    Process p = processes.get(id);
    return p != null && p.isAlive();
  }

  public synchronized long pid(int id) {
    Process p = processes.get(id);
    if (p == null) {
      throw new IllegalStateException("replica " + id + " was never started");
    }
    return p.pid();
  }

  /** Member {@code id}'s process (for CPU accounting); empty if it was never started. */
  public synchronized Optional<ProcessHandle> handle(int id) {
    Process p = processes.get(id);
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  /**
   * SIGKILL of member {@code id} (its own pid only; {@code destroyForcibly} is SIGKILL on Linux),
   * then a bounded wait for it to be gone.
   */
  public synchronized void kill(int id) throws InterruptedException {
    Process p = processes.get(id);
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("replica " + id + " is not running");
    }
    p.destroyForcibly();
    if (!p.waitFor(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "replica "
              + id
              + " (pid "
              + p.pid()
              + ") survived SIGKILL for "
              + STOP_WAIT_MILLIS
              + " ms");
    }
  }

  /** The last {@code maxChars} characters of member {@code id}'s log, for failure messages. */
  public String logTail(int id, int maxChars) {
    try {
      String text = Files.readString(log(id));
      return text.substring(Math.max(0, text.length() - maxChars));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGTERM to every member still running, a bounded wait, then SIGKILL to what is left. */
  @Override
  public void close() {
    List<Process> running;
    synchronized (this) {
      running = new ArrayList<>();
      for (Process p : processes.values()) {
        if (p.isAlive()) {
          p.destroy();
          running.add(p);
        }
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
    for (Process p : running) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already; the hook runs or ran
      }
    }
  }
}
