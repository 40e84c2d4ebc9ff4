package io.lockd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's command line: help, validation messages and exit codes (no replica starts). */
class LockdMainTest {
  private static final String M1 = "1=127.0.0.1:7111,127.0.0.1:7101";
  private static final String M2 = "2=127.0.0.1:7112,127.0.0.1:7102";
  private static final String M3 = "3=127.0.0.1:7113,127.0.0.1:7103";

  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int status = LockdMain.run(args);
      return new Run(
          status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void helpExplainsWithExamples() {
    Run r = run("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("Examples:"), r.out());
    assertTrue(r.out().contains("--member"), r.out());
    assertTrue(r.out().contains("deploy/local/cell.sh start"), r.out());
  }

  @Test
  void validSettingsPassTheCheck() {
    Run r =
        run(
            "--id",
            "2",
            "--data-dir",
            dir.resolve("r2").toString(),
            "--member",
            M1,
            "--member",
            M2 + " " + M3,
            "--grace-ms",
            "3000",
            "--check");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("replica 2 of [1, 2, 3]"), r.out());
    assertTrue(r.out().contains("grace 3000 ms"), r.out());
  }

  @Test
  void aConfigFileSuppliesDefaultsAndTheCommandLineWins() throws Exception {
    Path file = dir.resolve("cell.properties");
    Files.writeString(
        file, "cell = demo\nmember = " + M1 + " " + M2 + " " + M3 + "\ngrace-ms = 2000\nid = 3\n");
    Run r =
        run(
            "--config",
            file.toString(),
            "--data-dir",
            dir.resolve("r1").toString(),
            "--id",
            "1",
            "--check");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("cell 'demo', replica 1"), r.out());
    assertTrue(r.out().contains("grace 2000 ms"), r.out());
  }

  @Test
  void aConfigFileWithABadRelationIsRefusedNamingTheKey() throws Exception {
    assertFileRefused(
        "lease-ms = 300\nheartbeat-ms = 200\n",
        "--heartbeat-ms must be positive and at most half of --lease-ms (300), was 200");
    assertFileRefused(
        "min-session-lease-ms = 20000\n",
        "--session-lease-ms must be within [20000, 60000], was 12000");
    assertFileRefused(
        "heartbeat-ms = 20\ntick-ms = 30\n", "--tick-ms must be within [1, 20], was 30");
    // A misspelt key would otherwise leave the setting at its default without a word.
    assertFileRefused("lease-msec = 500\n", "unknown key 'lease-msec'");
    assertFileRefused("max-path-bytes = 512\npath-bytes-max = 256\n", "name the same option");
  }

  /** A config file of member 1 with {@code lines} makes lockd exit 2 and say {@code says}. */
  private void assertFileRefused(String lines, String says) throws Exception {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "member = " + M1 + "\n" + lines);
    assertRefused(
        says, "--config", file.toString(), "--id", "1", "--data-dir", dir.resolve("x").toString());
  }

  @Test
  void optionsKeepTheirOlderNamesOnTheCommandLineAndInTheFile() throws Exception {
    Path file = dir.resolve("old.properties");
    Files.writeString(file, "member = " + M1 + "\ncontent-bytes-max = 4096\npipeline-slots = 16\n");
    Run r =
        run(
            "--config",
            file.toString(),
            "--id",
            "1",
            "--data-dir",
            dir.resolve("r1").toString(),
            "--path-bytes-max",
            "512",
            "--session-lease-min-ms",
            "2000",
            "--check");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("max-content-bytes=4096,"), r.out());
    assertTrue(r.out().contains("max-path-bytes=512,"), r.out());
    assertTrue(r.out().contains("min-session-lease-ms=2000,"), r.out());
  }

  @Test
  void badSettingsSayWhatIsWrongAndExitTwo() {
    String data = dir.resolve("x").toString();
    assertRefused("--id is required", "--member", M1, "--data-dir", data);
    assertRefused(
        "--id 4 is not one of the members [1, 2, 3]",
        "--id",
        "4",
        "--data-dir",
        data,
        "--member",
        M1 + " " + M2 + " " + M3);
    assertRefused(
        "is not ID=PEER_HOST:PORT,CLIENT_HOST:PORT",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        "1=localhost");
    assertRefused(
        "has no valid port",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        "1=127.0.0.1:99999,127.0.0.1:7101");
    assertRefused(
        "member id 1 is given twice",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--member",
        "1=127.0.0.1:7121,127.0.0.1:7122");
    assertRefused(
        "--heartbeat-ms must be positive and at most half of --lease-ms",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--heartbeat-ms",
        "400");
    assertRefused(
        "--grace-ms must be within [0, 600000]",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--grace-ms",
        "700000");
    assertRefused(
        "--session-lease-ms must be within [1000, 60000]",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--session-lease-ms",
        "10");
    assertRefused("'--id': 'one' is not an int", "--id", "one");
    assertRefused("cannot read --config file", "--config", dir.resolve("missing").toString());
  }

  @Test
  void limitOptionsAreCheckedInTermsOfTheirFlags() {
    String data = dir.resolve("x").toString();
    assertRefused(
        "--max-path-depth must be at least 1, was 0",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--path-depth-max",
        "0");
    assertRefused(
        "--max-calls-per-stream must be at least 1, was 0",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--calls-per-stream-max",
        "0");
    // The client port must be able to receive the largest file the namespace accepts.
    assertRefused(
        "--max-inbound-message-bytes must be at least 264192 (--max-content-bytes + "
            + "--max-path-bytes + 1024), was 262144",
        "--id",
        "1",
        "--data-dir",
        data,
        "--member",
        M1,
        "--inbound-message-bytes-max",
        "262144");
    Run ok =
        run(
            "--id",
            "1",
            "--data-dir",
            data,
            "--member",
            M1,
            "--path-bytes-max",
            "512",
            "--wait-max-ms",
            "60000",
            "--parked-requests-max",
            "0",
            "--check");
    assertEquals(0, ok.status(), ok.err());
    // Printed in full, so that an operator can compare the members' limits.
    assertTrue(ok.out().contains("max-path-bytes=512,"), ok.out());
    assertTrue(ok.out().contains("max-wait-ms=60000,"), ok.out());
  }

  private static void assertRefused(String says, String... args) {
    Run r = run(args);
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(says), () -> "stderr '" + r.err() + "' should say '" + says + "'");
  }

  @Test
  void theConfigTemplateListsEveryOptionAndLoadsAsAConfigFile() throws Exception {
    Run template = run("config-template");
    assertEquals(0, template.status(), template.err());
    for (picocli.CommandLine.Model.OptionSpec o :
        new picocli.CommandLine(new LockdMain()).getCommandSpec().options()) {
      String name = o.names()[0];
      if (o.usageHelp() || o.versionHelp() || name.equals("--config") || name.equals("--check")) {
        continue;
      }
      assertTrue(
          template.out().contains("\n#" + name.substring(2) + " = "),
          name + " is missing from the template:\n" + template.out());
    }
    // Every default it shows must be one lockd accepts: uncomment them all and check.
    StringBuilder file = new StringBuilder();
    for (String line : template.out().split("\n")) {
      boolean setting = line.matches("#[a-z-]+ = .+");
      file.append(setting ? line.substring(1) : line).append('\n');
    }
    Path conf = dir.resolve("lockd.conf");
    Files.writeString(conf, file.toString());
    Run check =
        run(
            "--config",
            conf.toString(),
            "--id",
            "2",
            "--data-dir",
            dir.resolve("r2").toString(),
            "--member",
            M1,
            "--member",
            M2,
            "--member",
            M3,
            "--check");
    assertEquals(0, check.status(), check.err() + check.out());
  }
}
