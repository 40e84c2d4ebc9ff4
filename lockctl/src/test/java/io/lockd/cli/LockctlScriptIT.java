package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.InJvmCell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lockctl script as operators run it (after {@code package}: it needs the built jar): its
 * class-data archive is made once, used afterwards, and an archive that is corrupt, empty or made
 * for another jar never breaks lockctl or puts a JVM warning on its output.
 */
class LockctlScriptIT {
  private static final long RUN_SECONDS = 120;

  @TempDir static Path dir;
  static InJvmCell cell;
  static String endpoints;

  /**
   * A copy of lockctl/lockctl and its jars per test, so that tests never share an archive or touch
   * the build's.
   */
  @TempDir Path install;

  Path script;
  Path cdsDir;

  @BeforeAll
  static void start() throws Exception {
    cell = InJvmCell.builder().size(3).dataRoot(dir.resolve("cell")).graceMillis(5_000).start();
    endpoints = String.join(",", cell.endpoints());
  }

  @BeforeEach
  void copyLockctl() throws IOException {
    Path module = install.resolve("lockctl");
    Files.createDirectories(module.resolve("target/lib"));
    script = module.resolve("lockctl");
    Files.copy(Path.of("lockctl"), script, StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(
        Path.of("target/lockctl.jar"),
        module.resolve("target/lockctl.jar"),
        StandardCopyOption.COPY_ATTRIBUTES);
    try (Stream<Path> jars = Files.list(Path.of("target/lib"))) {
      for (Path jar : jars.toList()) {
        Files.copy(
            jar,
            module.resolve("target/lib").resolve(jar.getFileName()),
            StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    cdsDir = module.resolve("target/cds");
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  record Run(int code, String out, String err) {}

  Run lockctl(String... args) throws Exception {
    return lockctlWithJavaOpts(null, args);
  }

  /** Runs the script; {@code javaOpts}, if given, replace its JVM options (LOCKCTL_JAVA_OPTS). */
  Run lockctlWithJavaOpts(String javaOpts, String... args) throws Exception {
    return lockctlWith(Path.of(System.getProperty("java.home"), "bin"), javaOpts, args);
  }

  /** Runs the script with the {@code java} in {@code javaDir}. */
  Run lockctlWith(Path javaDir, String javaOpts, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    // The script runs `java` from PATH: the JDK running this test.
    pb.environment().put("PATH", javaDir + ":" + pb.environment().get("PATH"));
    pb.environment().remove("LOCKCTL_JAVA_OPTS");
    if (javaOpts != null) {
      pb.environment().put("LOCKCTL_JAVA_OPTS", javaOpts);
    }
    pb.environment().remove("LOCKCTL_CDS");
    Path out = Files.createTempFile(install, "out", ".txt");
    Path err = Files.createTempFile(install, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      assertTrue(
          p.waitFor(RUN_SECONDS, TimeUnit.SECONDS),
          "lockctl did not finish within " + RUN_SECONDS + " s");
    } finally {
      p.destroyForcibly();
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  List<Path> archives() throws IOException {
    if (!Files.isDirectory(cdsDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cdsDir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".jsa")).sorted().toList();
    }
  }

  static void assertAnswers(Run run, String expectedErr) {
    assertEquals(0, run.code(), () -> "exit code; stderr: " + run.err());
    assertTrue(run.out().startsWith("leader: replica "), () -> "stdout: " + run.out());
    assertEquals(expectedErr, run.err());
  }

  void overwriteArchives(byte[] contents) throws IOException {
    for (Path archive : archives()) {
      archive.toFile().setWritable(true);
      Files.write(archive, contents);
    }
  }

  @Test
  void theArchiveIsMadeOnceAndLockctlFallsBackWhenItIsUnusable() throws Exception {
    assertAnswers(
        lockctl("status", "-e", endpoints), "lockctl: preparing a class-data archive (once) ...\n");
    List<Path> made = archives();
    assertEquals(1, made.size(), () -> "archives: " + made);

    assertAnswers(lockctl("status", "-e", endpoints), "");

    byte[] garbage = new byte[64 * 1024];
    new Random(7).nextBytes(garbage);
    overwriteArchives(garbage);
    assertAnswers(lockctl("status", "-e", endpoints), "");

    overwriteArchives(new byte[0]);
    assertAnswers(lockctl("status", "-e", endpoints), "");
    Run missing = lockctl("get", "/no-such-node", "-e", endpoints);
    assertEquals(4, missing.code(), () -> "stderr: " + missing.err());
    assertTrue(missing.err().startsWith("lockctl: "), () -> "stderr: " + missing.err());
  }

  @Test
  void anArchiveThatCannotBeWrittenIsNotTriedAgainAndAgain() throws Exception {
    Files.createDirectories(cdsDir.getParent());
    Files.writeString(cdsDir, "a file where the archive directory should be");
    assertAnswers(lockctl("status", "-e", endpoints), "");
    assertAnswers(lockctl("status", "-e", endpoints), "");
  }

  /**
   * A JVM that cannot make archives (here: one that refuses the option) costs one try, not one per
   * run.
   */
  @Test
  void aFailedTrainingRunIsNotRepeated() throws Exception {
    Path javaDir = Files.createDirectories(install.resolve("java-without-archives"));
    Path java = javaDir.resolve("java");
    Files.writeString(
        java,
        "#!/usr/bin/env bash\n"
            + "for a in \"$@\"; do [[ $a == -XX:ArchiveClassesAtExit=* ]] && exit 1; done\n"
            + "exec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' \"$@\"\n");
    assertTrue(java.toFile().setExecutable(true));
    assertAnswers(
        lockctlWith(javaDir, null, "status", "-e", endpoints),
        "lockctl: preparing a class-data archive (once) ...\n");
    assertAnswers(lockctlWith(javaDir, null, "status", "-e", endpoints), "");
    assertEquals(List.of(), archives());
  }

  @Test
  void aNewJarGetsItsOwnArchiveAndTheOldOneIsDropped() throws Exception {
    assertEquals(0, lockctl("status", "-e", endpoints).code());
    List<Path> before = archives();
    Path jar = script.resolveSibling("target/lockctl.jar");
    Files.setLastModifiedTime(
        jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));

    assertAnswers(
        lockctl("status", "-e", endpoints), "lockctl: preparing a class-data archive (once) ...\n");
    List<Path> after = archives();
    assertEquals(1, after.size(), () -> "archives: " + after);
    assertTrue(!before.contains(after.get(0)), () -> "before " + before + ", after " + after);
  }

  /**
   * The start-up choices measured in docs/lockctl.md stay made: a one-line answer starts neither
   * logback (its configuration cost ~120 ms of CPU) nor JMX (for the process id), and builds no
   * other command's model (picocli's reflection over all of them cost ~100 ms).
   */
  @Test
  void statusStartsNeitherLogbackNorJmxNorOtherCommands() throws Exception {
    Path classes = install.resolve("classes.txt");
    Run run =
        lockctlWithJavaOpts(
            "-Xss512k -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:class+load=info:file="
                + classes,
            "status",
            "-e",
            endpoints);
    assertAnswers(run, "lockctl: preparing a class-data archive (once) ...\n");
    List<String> loaded = Files.readAllLines(classes);
    assertTrue(
        loaded.stream().anyMatch(l -> l.contains(" io.lockd.cli.Lockctl ")),
        "the class log is written");
    List<String> unwanted =
        loaded.stream()
            .filter(
                l ->
                    l.contains(" ch.qos.logback.")
                        || l.contains(" java.lang.management.ManagementFactory ")
                        || l.contains(" io.lockd.cli.BenchCommand ")
                        || l.contains(" io.lockd.cli.WatchCommand "))
            .toList();
    assertEquals(List.of(), unwanted);
  }
}
