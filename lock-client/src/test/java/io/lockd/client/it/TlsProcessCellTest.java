package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.lockd.client.CellStatus;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.LockdException;
import io.lockd.client.ReplicaState;
import io.lockd.client.Sequencer;
import io.lockd.client.WatchEvent;
import io.lockd.client.WatchKind;
import io.lockd.proto.peer.v1.HelloRequest;
import io.lockd.proto.peer.v1.PeerServiceGrpc;
import io.lockd.testing.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's acceptance for transport security: five real lockd processes with mutual TLS on both
 * ports. A client with a certificate from the cell's CA works end to end; clients without one, with
 * a self-signed one, one from another CA or an expired one are refused at the handshake with an
 * error that says so; a peer whose certificate names another cell or another replica than it claims
 * is refused, and the cell keeps its leader and ballot.
 */
class TlsProcessCellTest {
  private static final String CELL = "it"; // ProcessCell's cell name

  @TempDir static Path dir;
  static TestCertificates certs;
  static TestCertificates otherCa;
  static ProcessCell cell;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(dir.resolve("certs"), CELL);
    otherCa = TestCertificates.create(dir.resolve("other-ca"), CELL, "other-ca");
    cell =
        new ProcessCell(
            5,
            dir.resolve("cell"),
            List.of("--tls-ca", certs.ca().toString()),
            id -> {
              TestCertificates.Pem pem = certs.replica(id);
              return List.of(
                  "--tls-cert", pem.cert().toString(), "--tls-key", pem.key().toString());
            });
    try (LockClient probe = client("probe")) {
      cell.awaitLeader(probe, Duration.ofSeconds(60));
    }
  }

  @AfterAll
  static void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  private static LockClient client(String name) {
    TestCertificates.Pem pem = certs.client(name);
    return cell.clientBuilder().clientName(name).tls(certs.ca(), pem.cert(), pem.key()).build();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aClientWithTheCellsCertificateWorksEndToEnd() throws Exception {
    TestCertificates.Pem bob = certs.client("bob");
    try (LockClient a = client("alice");
        LockClient b =
            cell.clientBuilder()
                .clientName("bob")
                .cache(100)
                .tls(certs.ca(), bob.cert(), bob.key())
                .build()) {
      a.createDirectory("/tls");
      a.createFile("/tls/f", bytes("1"));
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      b.watch("/tls/f", WatchKind.CONTENTS, seen::add);
      assertEquals("1", b.getContents("/tls/f").contentsAsString());
      assertEquals("1", b.getContents("/tls/f").contentsAsString()); // from the cache
      assertTrue(b.cacheStats().hits() >= 1, "cached read: " + b.cacheStats());

      DistributedLock lock = a.lock("/tls/f");
      assertTrue(lock.tryAcquire());
      Sequencer sequencer = lock.sequencer();
      assertTrue(sequencer.lockGeneration() > 0);
      assertTrue(b.checkSequencer(sequencer));
      lock.release();

      a.setContents("/tls/f", bytes("2"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (seen.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(WatchEvent.Type.CONTENTS_CHANGED, seen.get(0).type());
      assertEquals("2", b.getContents("/tls/f").contentsAsString());

      CellStatus status = a.admin().cellStatus();
      assertTrue(status.leaderId() > 0);
      for (ReplicaState r : status.replicas()) {
        assertTrue(r.tls(), "replica " + r.id() + " reports TLS: " + r);
      }
    }
  }

  @Test
  void clientsWithoutAGoodCertificateAreRefusedAtTheHandshake() {
    TestCertificates.Pem self = certs.selfSigned("mallory");
    TestCertificates.Pem foreign = otherCa.client("eve");
    TestCertificates.Pem expired = certs.expiredClient("old");
    assertRefused(cell.clientBuilder().tls(certs.ca()), "requires a client certificate");
    assertRefused(
        cell.clientBuilder().tls(certs.ca(), self.cert(), self.key()),
        "requires a client certificate");
    assertRefused(
        cell.clientBuilder().tls(certs.ca(), foreign.cert(), foreign.key()),
        "requires a client certificate");
    assertRefused(
        cell.clientBuilder().tls(certs.ca(), expired.cert(), expired.key()), "has expired");
    // The other way round: the client does not trust the cell's certificates.
    assertRefused(
        cell.clientBuilder().tls(otherCa.ca(), foreign.cert(), foreign.key()), "not trusted");
  }

  private static void assertRefused(LockClient.Builder builder, String why) {
    try (LockClient c = builder.operationTimeout(Duration.ofSeconds(20)).build()) {
      LockdException e = assertThrows(LockdException.class, () -> c.stat("/"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("TLS handshake with"), e.getMessage());
      assertTrue(e.getMessage().contains(why), e.getMessage());
    }
  }

  @Test
  void aPeerWhoseCertificateNamesAnotherCellOrReplicaIsRefused() throws Exception {
    CellStatus before;
    try (LockClient a = client("watcher")) {
      cell.awaitLeader(a, Duration.ofSeconds(30));
      before = a.admin().cellStatus();
    }
    int target = before.leaderId();
    int claimed = target == 1 ? 2 : 1;
    long leaderBallot = ballotOf(before, target);

    // Replica 'claimed' of cell "other", signed by the cell's own CA.
    StatusRuntimeException otherCell =
        hello(target, claimed, CELL, certs.replica("other", claimed));
    assertEquals(Status.Code.UNAUTHENTICATED, otherCell.getStatus().getCode());
    assertTrue(
        otherCell.getStatus().getDescription().contains("lockd://other/replica/" + claimed),
        otherCell.getStatus().toString());

    // A genuine certificate of another replica of this cell, claiming to be 'claimed'.
    int impostor = target == 5 ? 4 : 5;
    StatusRuntimeException otherId = hello(target, claimed, CELL, certs.replica(impostor));
    assertEquals(Status.Code.UNAUTHENTICATED, otherId.getStatus().getCode());
    assertTrue(
        otherId.getStatus().getDescription().contains("lockd://it/replica/" + impostor),
        otherId.getStatus().toString());

    // A certificate from another CA does not get past the TLS handshake.
    StatusRuntimeException foreign = hello(target, claimed, CELL, otherCa.replica(claimed));
    assertEquals(Status.Code.UNAVAILABLE, foreign.getStatus().getCode());

    assertLogged(target, "lockd://other/replica/" + claimed);
    try (LockClient a = client("watcher")) {
      CellStatus after = a.admin().cellStatus();
      assertEquals(target, after.leaderId(), "the leader stays: " + after);
      assertEquals(leaderBallot, ballotOf(after, target), "the ballot stays: " + after);
      a.stat("/"); // still serving
    }
  }

  private static long ballotOf(CellStatus status, int id) {
    return status.replicas().stream().filter(r -> r.id() == id).findFirst().orElseThrow().ballot();
  }

  /** Opens a peer handshake to {@code target}'s peer port as {@code sender}, with {@code pem}. */
  private static StatusRuntimeException hello(
      int target, int sender, String claimedCell, TestCertificates.Pem pem) throws IOException {
    ChannelCredentials creds =
        TlsChannelCredentials.newBuilder()
            .trustManager(certs.ca().toFile())
            .keyManager(pem.cert().toFile(), pem.key().toFile())
            .build();
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(cell.peerAddress(target), creds)
            .overrideAuthority("localhost")
            .build();
    try {
      Metadata headers = new Metadata();
      headers.put(key("lockd-peer-protocol"), "1");
      headers.put(key("lockd-cell"), claimedCell);
      headers.put(key("lockd-sender-id"), Integer.toString(sender));
      headers.put(key("lockd-receiver-id"), Integer.toString(target));
      return assertThrows(
          StatusRuntimeException.class,
          () ->
              PeerServiceGrpc.newBlockingStub(channel)
                  .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .hello(HelloRequest.getDefaultInstance()));
    } finally {
      channel.shutdownNow();
    }
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static void assertLogged(int id, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.readString(cell.log(id)).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    assertFalse(true, "replica " + id + "'s log never mentioned " + text);
  }
}
