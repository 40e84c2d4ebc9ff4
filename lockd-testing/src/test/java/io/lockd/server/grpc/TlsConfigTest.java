package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.TestCertificates;
import io.lockd.transport.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS options are checked before anything starts, each refusal naming what is wrong. */
class TlsConfigTest {
  @TempDir Path dir;
  TestCertificates certs;
  TestCertificates.Pem replica1;

  @BeforeEach
  void certificates() {
    certs = TestCertificates.create(dir.resolve("certs"), "prod");
    replica1 = certs.replica(1);
  }

  private LockdConfigBuilder base() {
    return LockdConfig.builder()
        .cell("prod")
        .selfId(1)
        .dataDir(dir.resolve("data"))
        .member(1, "127.0.0.1:7111", "127.0.0.1:7101")
        .member(2, "127.0.0.1:7112", "127.0.0.1:7102")
        .member(3, "127.0.0.1:7113", "127.0.0.1:7103");
  }

  private LockdConfigBuilder tls() {
    return base().tlsCert(replica1.cert()).tlsKey(replica1.key()).tlsCa(certs.ca());
  }

  private String refusal(UnaryOperator<LockdConfigBuilder> change) {
    return assertThrows(IllegalArgumentException.class, () -> change.apply(tls()).build())
        .getMessage();
  }

  @Test
  void aGoodSetTurnsTlsOnWithClientCertificatesRequired() {
    LockdConfig config = tls().build();
    assertEquals(TlsFiles.ClientAuth.REQUIRE, config.tls().clientAuth());
    assertEquals(TlsFiles.RELOAD_MILLIS, config.tls().reloadMillis());
    assertEquals(
        TlsFiles.ClientAuth.OPTIONAL, tls().clientAuth("optional").build().tls().clientAuth());
    assertEquals(null, base().build().tls());
  }

  @Test
  void badSetsAreRefusedNamingTheProblem() throws Exception {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> base().tlsCert(replica1.cert()).tlsCa(certs.ca()).build())
            .getMessage()
            .contains("--tls-key missing"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> base().clientAuth("require").build())
            .getMessage()
            .contains("needs TLS"));
    assertTrue(refusal(b -> b.clientAuth("sometimes")).contains("--client-auth must be"));
    assertTrue(refusal(b -> b.tlsReloadMillis(0)).contains("--tls-reload-ms"));
    assertTrue(
        refusal(b -> b.tlsCa(dir.resolve("nowhere.pem"))).contains("nowhere.pem: no such file"));

    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    String notACert = refusal(b -> b.tlsCert(garbage));
    assertTrue(notACert.contains("garbage.pem") && notACert.contains("PEM certificate"), notACert);
    assertTrue(refusal(b -> b.tlsKey(garbage)).contains("not an unencrypted PEM private key"));

    TestCertificates.Pem other = certs.client("alice");
    assertTrue(refusal(b -> b.tlsKey(other.key())).contains("is not the private key"));

    TestCertificates.Pem replica2 = certs.replica(2);
    String named = refusal(b -> b.tlsCert(replica2.cert()).tlsKey(replica2.key()));
    assertTrue(named.contains("cannot serve replica 1 of cell 'prod'"), named);
    assertTrue(named.contains("lockd://prod/replica/2, not lockd://prod/replica/1"), named);
  }
}
