package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.testing.FreePorts;
import io.lockd.testing.TestCertificates;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer streams over mutual TLS: a replica whose address map sends it to the wrong replica refuses
 * that replica's certificate and says why (without TLS, the receiver's header check would say it).
 */
class PeerTlsTest {
  @TempDir Path dir;

  private static TlsCredentials credentials(TestCertificates certs, int id) {
    TestCertificates.Pem pem = certs.replica(id);
    return TlsCredentials.load(
        new TlsFiles(pem.cert(), pem.key(), certs.ca(), TlsFiles.ClientAuth.REQUIRE, 60_000),
        certs.cell(),
        id);
  }

  private static GrpcPeerTransport transport(
      int id, Map<Integer, String> members, TlsCredentials tls) {
    String self = members.get(id);
    int port = Integer.parseInt(self.substring(self.lastIndexOf(':') + 1));
    GrpcPeerTransport t =
        new GrpcPeerTransport(
            "prod",
            "",
            id,
            members,
            new InetSocketAddress("127.0.0.1", port),
            TransportLimits.defaults(),
            tls);
    t.start(m -> {}, peer -> {});
    return t;
  }

  @Test
  void aDialledAddressServingAnotherReplicaIsRefusedByTheDialler() throws Exception {
    TestCertificates certs = TestCertificates.create(dir, "prod");
    List<Integer> ports = FreePorts.distinct(2);
    String one = "127.0.0.1:" + ports.get(0);
    String three = "127.0.0.1:" + ports.get(1);
    try (TlsCredentials tls1 = credentials(certs, 1);
        TlsCredentials tls3 = credentials(certs, 3);
        // Replica 1 believes replica 2 is at replica 3's address.
        GrpcPeerTransport r1 = transport(1, Map.of(1, one, 2, three), tls1);
        GrpcPeerTransport r3 = transport(3, Map.of(1, one, 3, three), tls3)) {
      Poll.until(
          () -> r1.stats().get(2).lastFailure().contains("lockd://prod/replica/3"),
          Duration.ofSeconds(20),
          "replica 1 names the certificate it refused: " + r1.stats().get(2).lastFailure());
      String failure = r1.stats().get(2).lastFailure();
      assertTrue(failure.contains("not lockd://prod/replica/2"), failure);
      assertFalse(r1.stats().get(2).connected());
    }
  }
}
