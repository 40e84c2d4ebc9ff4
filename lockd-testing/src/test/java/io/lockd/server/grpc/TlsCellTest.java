package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.testing.InJvmCell;
import io.lockd.testing.TestCertificates;
import io.lockd.transport.ReplicaNames;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS cell in this JVM: who is calling reaches {@link CallerIdentity} (a client's subject CN, a
 * replica's SAN URI, or anonymous), status reports TLS, and a renewed certificate is served without
 * a restart once the reload period has passed.
 */
class TlsCellTest {
  @TempDir Path dir;

  /** Records the caller identity every call on the client ports runs with. */
  private static final class IdentityRecorder implements ServerInterceptor {
    final Queue<String> seen = new ConcurrentLinkedQueue<>();

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      seen.add(CallerIdentity.current());
      return next.startCall(call, headers);
    }
  }

  private static ManagedChannel channel(
      InJvmCell cell, int id, TestCertificates certs, TestCertificates.Pem client)
      throws IOException {
    TlsChannelCredentials.Builder creds =
        TlsChannelCredentials.newBuilder().trustManager(certs.ca().toFile());
    if (client != null) {
      creds.keyManager(client.cert().toFile(), client.key().toFile());
    }
    return NettyChannelBuilder.forTarget(cell.endpoint(id), creds.build()).build();
  }

  private static StatusResponse status(ManagedChannel channel) {
    return ClusterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  @Test
  void theCallersCertificateNamesTheCallerAndStatusSaysTls() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    IdentityRecorder recorder = new IdentityRecorder();
    try (InJvmCell cell =
        InJvmCell.builder().size(3).tls(certs).clientInterceptor(recorder).start()) {
      cell.awaitLeader();
      ManagedChannel alice = channel(cell, 1, certs, certs.client("alice"));
      try {
        StatusResponse status = status(alice);
        assertEquals(3, status.getReplicasCount());
        for (ReplicaStatus r : status.getReplicasList()) {
          assertTrue(r.getTls(), "replica " + r.getId() + " serves TLS: " + r);
        }
      } finally {
        alice.shutdownNow();
      }
      assertTrue(recorder.seen.contains("alice"), "identities seen: " + recorder.seen);
      // Replica 1 asked the others for their status with its own certificate.
      assertTrue(
          recorder.seen.contains(ReplicaNames.uri("test", 1)), "identities seen: " + recorder.seen);
      assertFalse(recorder.seen.contains(CallerIdentity.ANONYMOUS), "seen: " + recorder.seen);
    }
  }

  @Test
  void withOptionalClientCertificatesACallerWithoutOneIsAnonymous() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    IdentityRecorder recorder = new IdentityRecorder();
    try (InJvmCell cell =
        InJvmCell.builder()
            .size(1)
            .tls(certs)
            .settings(b -> b.clientAuth("optional"))
            .clientInterceptor(recorder)
            .start()) {
      cell.awaitLeader();
      ManagedChannel anonymous = channel(cell, 1, certs, null);
      ManagedChannel bob = channel(cell, 1, certs, certs.client("bob"));
      try {
        status(anonymous);
        assertEquals(
            java.util.List.of(CallerIdentity.ANONYMOUS), java.util.List.copyOf(recorder.seen));
        status(bob);
        assertTrue(recorder.seen.contains("bob"), "seen: " + recorder.seen);
      } finally {
        anonymous.shutdownNow();
        bob.shutdownNow();
      }
    }
  }

  @Test
  void aPlaintextReplicaSaysSoInStatus() throws Exception {
    try (InJvmCell cell = InJvmCell.builder().size(1).start()) {
      cell.awaitLeader();
      StatusResponse status =
          ClusterGrpc.newBlockingStub(cell.channel(1))
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance());
      assertFalse(status.getReplicas(0).getTls());
    }
  }

  @Test
  void aRenewedCertificateIsServedAfterTheReloadPeriodWithoutARestart() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "test");
    try (InJvmCell cell =
        InJvmCell.builder().size(1).tls(certs).settings(b -> b.tlsReloadMillis(100)).start()) {
      cell.awaitLeader();
      BigInteger before = servedSerial(cell, certs);
      certs.renewReplica(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      BigInteger now = before;
      for (int i = 0; i < 3_000 && now.equals(before) && System.nanoTime() < deadline; i++) {
        Thread.sleep(20);
        now = servedSerial(cell, certs);
      }
      assertNotEquals(before, now, "the renewed certificate was never served");
      // Still one replica, never restarted, and it serves with the new certificate.
      ManagedChannel alice = channel(cell, 1, certs, certs.client("alice"));
      try {
        assertTrue(status(alice).getReplicas(0).getTls());
      } finally {
        alice.shutdownNow();
      }
    }
  }

  /** The serial number of the certificate replica 1 presents to a new connection. */
  private static BigInteger servedSerial(InJvmCell cell, TestCertificates certs) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = java.nio.file.Files.newInputStream(certs.ca())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    String[] hostPort = cell.endpoint(1).split(":");
    try (SSLSocket socket =
        (SSLSocket)
            context.getSocketFactory().createSocket(hostPort[0], Integer.parseInt(hostPort[1]))) {
      socket.setSoTimeout(10_000);
      SSLParameters params = socket.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(params);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
