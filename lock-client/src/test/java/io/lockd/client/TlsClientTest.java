package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.lockd.testing.InJvmCell;
import io.lockd.testing.TestCertificates;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's TLS settings: PEM from files, memory or streams; a bad file refused at build(); a
 * server certificate that does not name the dialled host refused with a message that says so.
 */
class TlsClientTest {
  @TempDir Path dir;

  @Test
  void pemFromMemoryAndStreamsWorksLikeFiles() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    TestCertificates.Pem alice = certs.client("alice");
    try (InJvmCell cell = InJvmCell.builder().size(1).tls(certs).start()) {
      cell.awaitLeader();
      try (LockClient fromBytes =
          LockClient.builder()
              .endpoints(cell.endpoints())
              .tls(
                  Files.readAllBytes(certs.ca()),
                  Files.readAllBytes(alice.cert()),
                  Files.readAllBytes(alice.key()))
              .build()) {
        fromBytes.createFile("/from-bytes", new byte[] {1});
      }
      try (InputStream ca = Files.newInputStream(certs.ca());
          InputStream cert = Files.newInputStream(alice.cert());
          InputStream key = Files.newInputStream(alice.key());
          LockClient fromStreams =
              LockClient.builder().endpoints(cell.endpoints()).tls(ca, cert, key).build()) {
        assertEquals(1, fromStreams.getContents("/from-bytes").contents().length);
      }
    }
  }

  @Test
  void badTlsFilesAreRefusedWhenTheClientIsBuilt() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    TestCertificates.Pem alice = certs.client("alice");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "nothing here\n");
    String badKey =
        assertThrows(
                IllegalArgumentException.class,
                () -> LockClient.builder().tls(certs.ca(), alice.cert(), garbage))
            .getMessage();
    assertTrue(badKey.contains("PKCS#8"), badKey);
    String badCa =
        assertThrows(
                IllegalArgumentException.class,
                () -> LockClient.builder().tls(garbage, alice.cert(), alice.key()))
            .getMessage();
    assertTrue(badCa.contains("the CA"), badCa);
    String missing =
        assertThrows(
                IllegalArgumentException.class,
                () -> LockClient.builder().tls(dir.resolve("missing.pem")))
            .getMessage();
    assertTrue(missing.contains("missing.pem"), missing);
  }

  @Test
  void aServerCertificateForAnotherHostIsAHostNameMismatch() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    TestCertificates.Pem alice = certs.client("alice");
    try (InJvmCell cell =
            InJvmCell.builder()
                .size(1)
                .tls(certs)
                .replicaCertificates(id -> certs.replicaForHost(id, "db.example.com"))
                .start();
        LockClient client =
            LockClient.builder()
                .endpoints(cell.endpoints())
                .operationTimeout(Duration.ofSeconds(20))
                .tls(certs.ca(), alice.cert(), alice.key())
                .build()) {
      cell.awaitLeader();
      LockdException e = assertThrows(LockdException.class, () -> client.stat("/"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("host name mismatch"), e.getMessage());
    }
  }
}
