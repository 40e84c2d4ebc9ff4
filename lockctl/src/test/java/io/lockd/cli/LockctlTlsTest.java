package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.InJvmCell;
import io.lockd.testing.TestCertificates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lockctl against a cell with mutual TLS: --cacert, --cert and --key, and clear refusals. */
class LockctlTlsTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static InJvmCell cell;
  static TestCertificates.Pem admin;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(dir.resolve("certs"), "test");
    admin = certs.client("admin");
    cell = InJvmCell.builder().size(3).tls(certs).dataRoot(dir.resolve("cell")).start();
    cell.awaitLeader();
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  private static LockctlTest.Run lockctl(List<String> tls, String... args) {
    // Global options follow the command's name, as every lockctl option does.
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(1, tls);
    return LockctlTest.lockctlAt(String.join(",", cell.endpoints()), all.toArray(String[]::new));
  }

  private static List<String> asAdmin() {
    return List.of(
        "--cacert",
        certs.ca().toString(),
        "--cert",
        admin.cert().toString(),
        "--key",
        admin.key().toString());
  }

  @Test
  void withTheCellsCertificatesCommandsWork() {
    LockctlTest.Run status = lockctl(asAdmin(), "status");
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().contains("TLS"), status.out());
    assertFalse(status.out().contains("PLAINTEXT"), status.out());

    LockctlTest.Run put = lockctl(asAdmin(), "put", "--create", "/tls-file", "hello");
    assertEquals(0, put.code(), put.err());
    LockctlTest.Run get = lockctl(asAdmin(), "get", "/tls-file");
    assertEquals(0, get.code(), get.err());
    assertTrue(get.out().contains("hello"), get.out());
    LockctlTest.Run lock = lockctl(asAdmin(), "lock", "/tls-file", "--", "true");
    assertEquals(0, lock.code(), lock.err());

    LockctlTest.Run json = lockctl(asAdmin(), "status", "-o", "json");
    for (var replica : json.json().getAsJsonObject().getAsJsonArray("replicas")) {
      assertTrue(replica.getAsJsonObject().get("tls").getAsBoolean(), json.out());
    }
  }

  @Test
  void withoutAClientCertificateTheCellRefusesWithAClearMessage() {
    LockctlTest.Run run = lockctl(List.of("--cacert", certs.ca().toString()), "status");
    assertEquals(ExitCodes.UNAVAILABLE, run.code());
    assertTrue(run.err().contains("TLS handshake with"), run.err());
    assertTrue(run.err().contains("requires a client certificate"), run.err());
  }

  @Test
  void aCertificateWithoutItsKeyIsAUsageError() {
    LockctlTest.Run run =
        lockctl(
            List.of("--cacert", certs.ca().toString(), "--cert", admin.cert().toString()),
            "status");
    assertEquals(ExitCodes.USAGE, run.code());
    assertTrue(run.err().contains("--cert and --key go together"), run.err());
  }
}
