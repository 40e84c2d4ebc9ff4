package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.client.LockClient;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.testing.InJvmCell;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legal directory whose whole listing is over gRPC's default 4 MiB receive limit (300 names of 15
 * KB) is listed by the client library with default channel limits, and by {@code lockctl ls}: both
 * follow the cell's pages.
 */
class LargeListingTest {
  private static final int CHILDREN = 300;
  private static final int NAME_BYTES = 15_000;

  @TempDir static Path dir;
  static InJvmCell cell;

  @BeforeAll
  static void start() throws Exception {
    cell =
        InJvmCell.builder()
            .size(1)
            .dataRoot(dir.resolve("cell"))
            .limits(NamespaceLimits.builder().maxPathBytes(16 << 10).build())
            .start();
    try (LockClient c = client("filler")) {
      c.mkdirs("/big");
      for (int i = 0; i < CHILDREN; i++) {
        c.createFile("/big/" + name(i), new byte[0]);
      }
    }
  }

  private static LockClient client(String name) {
    return LockClient.builder()
        .endpoints(cell.endpoints())
        .clientName(name)
        .operationTimeout(Duration.ofSeconds(20))
        .build();
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  @Test
  void theClientLibraryListsEveryChild() {
    try (LockClient c = client("reader")) {
      List<String> names = c.children("/big");
      assertEquals(CHILDREN, names.size());
      long bytes = names.stream().mapToLong(String::length).sum();
      assertTrue(bytes > 4 << 20, "the listing is over 4 MiB: " + bytes);
      for (int i = 0; i < CHILDREN; i++) {
        assertEquals(name(i), names.get(i));
      }
    }
  }

  @Test
  void lockctlLsListsEveryChild() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Lockctl.run(
            new String[] {
              "ls", "/big", "--endpoints", String.join(",", cell.endpoints()), "--timeout", "30s"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(CHILDREN, lines.length);
    assertEquals(name(CHILDREN - 1), lines[CHILDREN - 1]);
  }

  private static String name(int i) {
    return String.format("%04d", i) + "n".repeat(NAME_BYTES - 4);
  }
}
