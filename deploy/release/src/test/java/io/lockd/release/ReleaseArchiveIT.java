package io.lockd.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lockd.testing.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator uses it: unpacked in an empty folder, {@code bin/lockd} starts
 * a cell from the shipped {@code conf/lockd.conf}, {@code bin/lockctl} talks to it, and the shipped
 * systemd unit passes {@code systemd-analyze verify}.
 */
class ReleaseArchiveIT {
  private static final int REPLICAS = 3;
  private static final long COMMAND_SECONDS = 120;
  private static final long LEADER_WAIT_MILLIS = 90_000;

  @TempDir Path dir;
  private final List<Process> replicas = new ArrayList<>();

  record Run(int code, String out, String err) {}

  @AfterEach
  void stopReplicas() throws InterruptedException {
    // By pid: bin/lockd execs the JVM, so each process is the replica itself.
    for (Process p : replicas) {
      p.destroy();
    }
    for (Process p : replicas) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anUnpackedReleaseRunsACellThatLockctlCanUse() throws Exception {
    Path home = unpack();
    assertTrue(Files.isExecutable(home.resolve("bin/lockd")), "bin/lockd");
    assertTrue(Files.isExecutable(home.resolve("bin/lockctl")), "bin/lockctl");
    String shipped = Files.readString(home.resolve("conf/lockd.conf"));
    assertTrue(shipped.contains("\n#lease-ms = "), shipped);

    // The shipped file, with this cell's settings added, is the replicas' --config.
    List<Integer> ports = FreePorts.distinct(2 * REPLICAS);
    StringBuilder members = new StringBuilder();
    List<String> clients = new ArrayList<>();
    for (int id = 1; id <= REPLICAS; id++) {
      String client = "127.0.0.1:" + ports.get(REPLICAS + id - 1);
      members.append(id).append("=127.0.0.1:").append(ports.get(id - 1)).append(',');
      members.append(client).append(' ');
      clients.add(client);
    }
    Path conf = home.resolve("conf/lockd.conf");
    Files.writeString(
        conf, shipped + "\ncell = release-it\nmember = " + members.toString().trim() + "\n");
    for (int id = 1; id <= REPLICAS; id++) {
      replicas.add(
          start(
              home,
              "bin/lockd",
              "--config",
              conf.toString(),
              "--id",
              "" + id,
              "--data-dir",
              dir.resolve("data-" + id).toString()));
    }
    String endpoints = String.join(",", clients);

    awaitLeader(home, endpoints);

    Run lock =
        run(
            home,
            "bin/lockctl",
            "lock",
            "-e",
            endpoints,
            "--create",
            "/release/lock",
            "echo",
            "held");
    assertEquals(0, lock.code(), lock.err());
    assertTrue(lock.out().contains("held"), lock.out());
    Run stat = run(home, "bin/lockctl", "stat", "-e", endpoints, "/release/lock");
    assertEquals(0, stat.code(), stat.err());
  }

  @Test
  void theShippedSystemdUnitVerifies() throws Exception {
    Path home = unpack();
    Path unit = home.resolve("deploy/systemd/lockd.service");
    assertTrue(Files.isRegularFile(unit), "the archive ships deploy/systemd/lockd.service");
    assumeTrue(
        onPath("systemd-analyze"), "systemd-analyze is not installed: the unit was not verified");
    // verify checks that ExecStart exists: point it at the unpacked release instead of /opt.
    Path copy = dir.resolve("lockd.service");
    Files.writeString(
        copy,
        Files.readString(unit)
            .replace("/opt/lockd/bin/lockd", home.resolve("bin/lockd").toString()));
    Run verify = run(dir, "systemd-analyze", "verify", copy.toString());
    assertEquals(0, verify.code(), verify.out() + verify.err());
    assertEquals("", verify.err().strip(), "systemd-analyze warnings");
  }

  private Path unpack() throws Exception {
    Path archive = Path.of(System.getProperty("release.archive"));
    assertTrue(Files.isRegularFile(archive), "no release archive at " + archive);
    Run tar = run(dir, "tar", "-xzf", archive.toString(), "-C", dir.toString());
    assertEquals(0, tar.code(), tar.err());
    String name = archive.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
    return dir.resolve(name);
  }

  private Run awaitLeader(Path home, String endpoints) throws Exception {
    long deadline = System.currentTimeMillis() + LEADER_WAIT_MILLIS;
    Run last;
    do {
      last = run(home, "bin/lockctl", "status", "-e", endpoints);
      if (last.code() == 0 && last.out().startsWith("leader: replica ")) {
        return last;
      }
      for (Process p : replicas) {
        assertTrue(p.isAlive(), "a replica exited with status " + exitOf(p));
      }
      Thread.sleep(500);
    } while (System.currentTimeMillis() < deadline);
    throw new AssertionError("no leader within " + LEADER_WAIT_MILLIS + " ms: " + last);
  }

  private static String exitOf(Process p) {
    return p.isAlive() ? "(running)" : "" + p.exitValue();
  }

  private Process start(Path home, String... command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
    pb.command().set(0, home.resolve(command[0]).toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("LOCKD_JAVA_OPTS", "-Xms64m -Xmx256m -XX:+UseSerialGC");
    Path log = dir.resolve("replica-" + replicas.size() + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return pb.start();
  }

  private Run run(Path workDir, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    if (command[0].startsWith("bin/")) {
      pb.command().set(0, workDir.resolve(command[0]).toString());
    }
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("LOCKCTL_CDS_DIR", dir.resolve("cds").toString());
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      assertTrue(
          p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS),
          String.join(" ", command) + " did not finish within " + COMMAND_SECONDS + " s");
    } finally {
      p.destroyForcibly();
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }
}
