package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lockd.client.CreateOptions;
import io.lockd.client.LockClient;
import io.lockd.daemon.LockdMain;
import io.lockd.testing.Eventually;
import io.lockd.testing.InJvmCell;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back up and restore as an operator does it: {@code lockctl snapshot save} from a running cell,
 * {@code lockd restore} into each replica's empty data directory, and a new cell started on them
 * serves the same namespace; its old sessions expire after the grace, taking their ephemeral nodes.
 */
class BackupRestoreTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run lockd(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = LockdMain.run(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static Run lockctl(String endpoints, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--endpoints";
    all[args.length + 1] = endpoints;
    all[args.length + 2] = "--timeout";
    all[args.length + 3] = "20s";
    int code =
        Lockctl.run(
            all,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static LockClient client(InJvmCell cell) {
    return LockClient.builder()
        .endpoints(cell.endpoints())
        .clientName("backup-test")
        .operationTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void aBackupRestoresIntoANewCellThatServesTheSameNamespace() throws Exception {
    Path backup = dir.resolve("cell.snap");
    String savedChecksum;
    try (InJvmCell old = InJvmCell.builder().size(3).dataRoot(dir.resolve("old")).start();
        LockClient c = client(old)) {
      c.mkdirs("/app/config");
      c.mkdirs("/app/members");
      c.createFile("/app/config/db", "primary=10.0.0.7".getBytes(StandardCharsets.UTF_8));
      c.create("/app/members/me", CreateOptions.file().ephemeral());
      Run saved =
          lockctl(
              String.join(",", old.endpoints()),
              "snapshot",
              "save",
              backup.toString(),
              "-o",
              "json");
      assertEquals(0, saved.code(), saved.err());
      JsonObject info = JsonParser.parseString(saved.out()).getAsJsonObject();
      savedChecksum = info.get("state_checksum").getAsString();
      assertTrue(info.get("slot").getAsLong() > 0, saved.out());
      assertTrue(Files.size(backup) > 0);
    }

    for (int id = 1; id <= 3; id++) {
      Run restored =
          lockd("restore", backup.toString(), "--data-dir", dir.resolve("new/r" + id).toString());
      assertEquals(0, restored.code(), restored.err());
      assertTrue(restored.out().contains("state checksum " + savedChecksum), restored.out());
    }
    try (InJvmCell restored =
            InJvmCell.builder()
                .size(3)
                .cellName("restored")
                .dataRoot(dir.resolve("new"))
                .graceMillis(1_000)
                .start();
        LockClient c = client(restored)) {
      assertArrayEquals(
          "primary=10.0.0.7".getBytes(StandardCharsets.UTF_8),
          c.getContents("/app/config/db").contents());
      // The backed-up session has no client here: it expires after the grace, and its ephemeral
      // node with it.
      Eventually.await(
          "the restored cell expires the old session's ephemeral node",
          () -> !c.exists("/app/members/me"),
          Duration.ofSeconds(60));
      assertTrue(c.exists("/app/config/db"));
    }
  }

  @Test
  void aDamagedOrTruncatedBackupOrAUsedDataDirectoryIsRefused() throws Exception {
    Path backup = dir.resolve("cell.snap");
    try (InJvmCell cell = InJvmCell.builder().size(3).dataRoot(dir.resolve("cell")).start();
        LockClient c = client(cell)) {
      c.createFile("/x", new byte[4096]);
      Run saved =
          lockctl(String.join(",", cell.endpoints()), "snapshot", "save", backup.toString());
      assertEquals(0, saved.code(), saved.err());
    }
    byte[] good = Files.readAllBytes(backup);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x10;
    Path damaged = Files.write(dir.resolve("damaged.snap"), flipped);
    Run r = lockd("restore", damaged.toString(), "--data-dir", dir.resolve("d1").toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("damaged"), r.err());
    assertFalse(Files.exists(dir.resolve("d1")), "nothing is written for a bad backup");

    Path truncated = Files.write(dir.resolve("short.snap"), Arrays.copyOf(good, good.length - 40));
    r = lockd("restore", truncated.toString(), "--data-dir", dir.resolve("d2").toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("truncated"), r.err());
    assertFalse(Files.exists(dir.resolve("d2")), "nothing is left of a refused restore");

    Path emptyBefore = Files.createDirectories(dir.resolve("d4"));
    r = lockd("restore", damaged.toString(), "--data-dir", emptyBefore.toString());
    assertEquals(2, r.code(), r.out());
    try (java.util.stream.Stream<Path> left = Files.list(emptyBefore)) {
      assertEquals(0, left.count(), "an empty directory given is left empty");
    }

    Path used = Files.createDirectories(dir.resolve("used"));
    Files.writeString(used.resolve("something"), "x");
    r = lockd("restore", backup.toString(), "--data-dir", used.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("is not empty"), r.err());

    r =
        lockd(
            "restore",
            dir.resolve("missing.snap").toString(),
            "--data-dir",
            dir.resolve("d3").toString());
    assertEquals(2, r.code(), r.out());
  }
}
