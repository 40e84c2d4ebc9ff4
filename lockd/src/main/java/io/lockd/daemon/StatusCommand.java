package io.lockd.daemon;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lockd.paxos.Ballot;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.DistrustedPeer;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.server.grpc.Members;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockd status ADDRESS}: asks one replica for the cell's status and prints a table. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Print every replica of the cell as the replica at ADDRESS sees it.",
    footer = {"", "Example:", "  lockd status 127.0.0.1:7101"})
final class StatusCommand implements Callable<Integer> {
  @Parameters(paramLabel = "ADDRESS", description = "A replica's client address (host:port).")
  String address;

  @Option(
      names = "--timeout-ms",
      defaultValue = "3000",
      description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
  long timeoutMillis;

  @Option(
      names = "--cacert",
      paramLabel = "PEM",
      description = "Talk TLS, trusting the cell's CA in this file (a cell started with --tls-ca).")
  Path cacert;

  @Option(
      names = "--cert",
      paramLabel = "PEM",
      description = "The client certificate to present (with --key), if the cell requires one.")
  Path cert;

  @Option(names = "--key", paramLabel = "PEM", description = "The client certificate's key.")
  Path key;

  @Override
  public Integer call() throws InterruptedException {
    try {
      Members.checkAddress(address, "ADDRESS");
    } catch (IllegalArgumentException e) {
      System.err.println("lockd status: " + e.getMessage());
      return 2;
    }
    if ((cert == null) != (key == null) || (cert != null && cacert == null)) {
      System.err.println("lockd status: --cert and --key go together, and need --cacert");
      return 2;
    }
    ManagedChannel channel;
    try {
      channel = channel();
    } catch (IOException e) {
      System.err.println("lockd status: cannot read the TLS files: " + e.getMessage());
      return 2;
    }
    try {
      StatusResponse status =
          ClusterGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
              .status(StatusRequest.getDefaultInstance());
      print(status);
      return 0;
    } catch (StatusRuntimeException e) {
      System.err.println("lockd status: " + address + " did not answer: " + e.getStatus());
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private ManagedChannel channel() throws IOException {
    if (cacert == null) {
      return NettyChannelBuilder.forTarget(address).usePlaintext().build();
    }
    TlsChannelCredentials.Builder tls =
        TlsChannelCredentials.newBuilder().trustManager(cacert.toFile());
    if (cert != null) {
      tls.keyManager(cert.toFile(), key.toFile());
    }
    return NettyChannelBuilder.forTarget(address, tls.build()).build();
  }

  private static void print(StatusResponse s) {
    System.out.printf(
        Locale.ROOT,
        "leader %s, answered by replica %d%n",
        s.getLeaderId() == 0 ? "unknown" : Integer.toString(s.getLeaderId()),
        s.getResponderId());
    System.out.printf(
        Locale.ROOT,
        "%-4s %-22s %-12s %-9s %9s %9s %6s %8s %9s %-16s %s%n",
        "id",
        "address",
        "role",
        "ballot",
        "chosen",
        "applied",
        "lag",
        "lease_ms",
        "contact",
        "checksum",
        "tls");
    for (ReplicaStatus r : s.getReplicasList()) {
      System.out.printf(
          Locale.ROOT,
          "%-4d %-22s %-12s %-9s %9d %9d %6d %8d %9d %016x %s%n",
          r.getId(),
          r.getAddress(),
          r.getRole().name().replace("REPLICA_ROLE_", ""),
          Ballot.toString(r.getBallot()),
          r.getChosenSlot(),
          r.getAppliedSlot(),
          r.getLagSlots(),
          r.getLeaseRemainingMillis(),
          r.getLastContactMillis(),
          r.getStateChecksum(),
          tlsColumn(r));
    }
    for (ReplicaStatus r : s.getReplicasList()) {
      if (reachable(r) && !r.getTls()) {
        System.out.printf(
            Locale.ROOT,
            "replica %d serves PLAINTEXT: its ports are unauthenticated (docs/security.md)%n",
            r.getId());
      }
      if (!r.getDivergence().isEmpty()) {
        System.out.printf(Locale.ROOT, "replica %d DIVERGED: %s%n", r.getId(), r.getDivergence());
      }
      for (DistrustedPeer d : r.getDistrustsList()) {
        System.out.printf(
            Locale.ROOT,
            "replica %d distrusts replica %d: %s%n",
            r.getId(),
            d.getId(),
            d.getReason());
      }
    }
  }

  private static boolean reachable(ReplicaStatus r) {
    return r.getRole() != ReplicaRole.REPLICA_ROLE_UNREACHABLE
        && r.getRole() != ReplicaRole.REPLICA_ROLE_UNSPECIFIED;
  }

  private static String tlsColumn(ReplicaStatus r) {
    return !reachable(r) ? "?" : r.getTls() ? "yes" : "NO";
  }
}
