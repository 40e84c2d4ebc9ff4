package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.InJvmCell;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an application that depends on the lock-client artifact gets: it compiles against the
 * library's runtime class path alone, runs in its own JVM with its own logging backend
 * (slf4j-simple), takes a lock on a real cell, and finds neither lockctl's picocli nor a logging
 * backend brought along by the library. The class path is the one Maven resolves for the artifact
 * (written at build time by the dependency plugin), not the tests' own.
 */
class LibraryClassPathTest {
  private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
  private static final Path BUILT = BASEDIR.resolve("target/library-app");

  @TempDir Path dir;

  @Test
  void anApplicationOnTheLibraryAloneTakesALockWithItsOwnLoggingBackend() throws Exception {
    List<String> library = libraryClassPath();
    Path appClasses = compileApp(library);
    List<String> classPath = new ArrayList<>();
    classPath.add(appClasses.toString());
    classPath.addAll(library);
    classPath.add(slf4jSimple().toString());

    try (InJvmCell cell =
        InJvmCell.builder().size(1).dataRoot(dir.resolve("cell")).graceMillis(5_000).start()) {
      Run run = runApp(classPath, String.join(",", cell.endpoints()));
      assertEquals(0, run.status(), run.toString());
      assertTrue(run.out().contains("picocli.CommandLine: absent"), run.toString());
      assertTrue(run.out().contains("ch.qos.logback.classic.Logger: absent"), run.toString());
      assertTrue(run.out().contains("slf4j: org.slf4j.simple.SimpleLoggerFactory"), run.toString());
      assertTrue(run.out().lines().anyMatch(l -> l.matches("sequencer \\S+")), run.toString());
      // slf4j-simple's format: [thread] LEVEL logger - message
      assertTrue(run.err().contains("INFO LibraryApp - lock held"), run.toString());
      assertFalse(run.err().contains("No SLF4J providers"), run.toString());
      assertFalse(run.err().contains("multiple SLF4J providers"), run.toString());
    }
  }

  /** The library's own classes and every jar Maven resolves for it at runtime scope. */
  private static List<String> libraryClassPath() throws IOException {
    Path file = BUILT.resolve("runtime.classpath");
    assertTrue(
        Files.isRegularFile(file),
        file
            + " is missing: it is written by the build (generate-test-resources); run through Maven");
    List<String> entries = new ArrayList<>();
    entries.add(BASEDIR.resolve("target/classes").toString());
    String written = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (!written.isEmpty()) {
      entries.addAll(Arrays.asList(written.split(File.pathSeparator)));
    }
    return entries;
  }

  private static Path slf4jSimple() throws IOException {
    try (Stream<Path> jars = Files.list(BUILT.resolve("backend"))) {
      return jars.filter(p -> p.getFileName().toString().startsWith("slf4j-simple-"))
          .findFirst()
          .orElseThrow(
              () ->
                  new AssertionError("slf4j-simple was not copied to " + BUILT.resolve("backend")));
    }
  }

  /** Compiles the application against the library alone: a missing class fails here. */
  private Path compileApp(List<String> library) throws IOException {
    Path out = Files.createDirectories(dir.resolve("app-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertTrue(javac != null, "the tests need a JDK (javac) to compile the application");
    Path source = BASEDIR.resolve("src/test/library-app/LibraryApp.java");
    int status =
        javac.run(
            null,
            null,
            null,
            "-proc:none",
            "-d",
            out.toString(),
            "-cp",
            String.join(File.pathSeparator, library),
            source.toString());
    assertEquals(0, status, "LibraryApp.java did not compile against the library's class path");
    return out;
  }

  private record Run(int status, String out, String err) {
    @Override
    public String toString() {
      return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Run runApp(List<String> classPath, String endpoints) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path out = dir.resolve("app.out");
    Path err = dir.resolve("app.err");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-cp",
                String.join(File.pathSeparator, classPath),
                "LibraryApp",
                endpoints)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        throw new AssertionError(
            "the application did not end within 120 s:\n"
                + Files.readString(out)
                + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      p.toHandle().destroyForcibly();
    }
  }
}
