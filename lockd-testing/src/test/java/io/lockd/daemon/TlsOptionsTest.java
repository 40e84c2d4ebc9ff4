package io.lockd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.TestCertificates;
import io.lockd.transport.TlsFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The daemon's TLS options, on the command line and in the config file, reach its settings. */
class TlsOptionsTest {
  @TempDir Path dir;

  private List<String> args(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--cell",
                "prod",
                "--id",
                "1",
                "--data-dir",
                dir.resolve("r1").toString(),
                "--member",
                "1=127.0.0.1:7111,127.0.0.1:7101",
                "--member",
                "2=127.0.0.1:7112,127.0.0.1:7102"));
    args.addAll(List.of(extra));
    return args;
  }

  @Test
  void tlsOptionsTurnTlsOn() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "prod");
    TestCertificates.Pem pem = certs.replica(1);
    LockdMain main = new LockdMain();
    new CommandLine(main)
        .parseArgs(
            args(
                    "--tls-cert",
                    pem.cert().toString(),
                    "--tls-key",
                    pem.key().toString(),
                    "--tls-ca",
                    certs.ca().toString(),
                    "--client-auth",
                    "optional",
                    "--tls-reload-ms",
                    "5000")
                .toArray(String[]::new));
    TlsFiles tls = main.config().tls();
    assertEquals(pem.cert(), tls.cert());
    assertEquals(TlsFiles.ClientAuth.OPTIONAL, tls.clientAuth());
    assertEquals(5000, tls.reloadMillis());
    assertTrue(main.config().describe().contains("client certificates optional"));
  }

  @Test
  void aCertificateOfAnotherReplicaIsRefusedBeforeStarting() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "prod");
    TestCertificates.Pem other = certs.replica(2);
    Path file =
        Files.writeString(
            dir.resolve("tls.properties"),
            "tls-cert = "
                + other.cert()
                + "\ntls-key = "
                + other.key()
                + "\ntls-ca = "
                + certs.ca()
                + "\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = LockdMain.run(args("--config", file.toString(), "--check").toArray(String[]::new));
    } finally {
      System.setErr(saved);
    }
    assertEquals(2, code);
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("cannot serve replica 1 of cell 'prod'"), message);
  }
}
