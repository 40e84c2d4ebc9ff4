package io.lockd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command that {@code lock} and {@code elect} guard: with its standard streams inherited
 * and extra environment variables, until it exits or the guard is lost. If the guard is lost the
 * command gets SIGTERM, and SIGKILL after the kill grace. If lockctl itself is terminated (SIGTERM,
 * Ctrl-C) the command is stopped the same way before the lock is released.
 */
final class ChildProcess {
  /** Exit code when the command could not be started (as shells do). */
  static final int CANNOT_RUN = 127;

  private ChildProcess() {}

  /** The environment a guarded command gets: the sequencer, the lock's path and generation. */
  static Map<String, String> guardEnv(io.lockd.client.Sequencer seq, String path) {
    return Map.of(
        "LOCKD_SEQUENCER", seq.encode(),
        "LOCKD_LOCK_PATH", path,
        "LOCKD_LOCK_GENERATION", Long.toString(seq.lockGeneration()));
  }

  /**
   * Runs {@code command}; returns its exit code, or {@link ExitCodes#LOST} if {@code lost}
   * completed first (its value is the reason, printed).
   *
   * @param onShutdown run by the shutdown hook after the command stopped (releases the guard)
   */
  static int run(
      List<String> command,
      Map<String, String> env,
      CompletableFuture<String> lost,
      Duration killGrace,
      Runnable onShutdown,
      PrintWriter err)
      throws InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      err.println("lockctl: cannot run " + command.get(0) + ": " + e.getMessage());
      err.flush();
      return CANNOT_RUN;
    }
    Thread hook =
        new Thread(
            () -> {
              stop(p, killGrace);
              onShutdown.run();
            },
            "lockctl-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      while (true) {
        if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
          return p.exitValue();
        }
        if (lost.isDone()) {
          err.println("lockctl: " + lost.join() + "; stopping " + command.get(0));
          err.flush();
          stop(p, killGrace);
          return ExitCodes.LOST;
        }
      }
    } catch (InterruptedException e) {
      stop(p, killGrace);
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run
      }
    }
  }

  /** SIGTERM, then SIGKILL after {@code grace}; waits (bounded) for the process to end. */
  static void stop(Process p, Duration grace) {
    if (!p.isAlive()) {
      return;
    }
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
