package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.util.CertificateUtils;
import io.lockd.testing.TestCertificates;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replica dialling a peer accepts only a certificate from the CA naming that peer. */
class ReplicaTrustTest {
  @TempDir Path dir;

  private static X509Certificate[] read(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateUtils.getX509Certificates(in);
    }
  }

  @Test
  void theDialledPeerMustBeTheReplicaMeant() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("ca"), "prod");
    TestCertificates other = TestCertificates.create(dir.resolve("other"), "prod", "other-ca");
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", read(certs.ca())[0]);
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(store);
    X509ExtendedTrustManager chain = (X509ExtendedTrustManager) factory.getTrustManagers()[0];
    ReplicaTrust toTwo = new ReplicaTrust(chain, "prod", 2);

    toTwo.checkServerTrusted(read(certs.replica(2).cert()), "ECDHE_ECDSA");
    String wrongId =
        assertThrows(
                CertificateException.class,
                () -> toTwo.checkServerTrusted(read(certs.replica(3).cert()), "ECDHE_ECDSA"))
            .getMessage();
    assertTrue(wrongId.contains("lockd://prod/replica/3, not lockd://prod/replica/2"), wrongId);
    String wrongCell =
        assertThrows(
                CertificateException.class,
                () ->
                    toTwo.checkServerTrusted(read(certs.replica("test", 2).cert()), "ECDHE_ECDSA"))
            .getMessage();
    assertTrue(wrongCell.contains("lockd://test/replica/2"), wrongCell);
    assertThrows(
        CertificateException.class,
        () -> toTwo.checkServerTrusted(read(other.replica(2).cert()), "ECDHE_ECDSA"));
  }
}
