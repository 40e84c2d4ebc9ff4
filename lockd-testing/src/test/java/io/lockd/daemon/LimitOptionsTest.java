package io.lockd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.server.grpc.GrpcErrors;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdServer;
import io.lockd.testing.FreePorts;
import io.lockd.testing.Leaders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Limits given as daemon options reach the running cell: three replicas started from the settings
 * {@code lockd} builds from its command line refuse a path the defaults accept, contents over the
 * smaller content limit, and a message over the smaller inbound limit.
 */
class LimitOptionsTest {
  private static final long WAIT_MILLIS = 30_000;

  @TempDir Path dir;

  @Test
  void smallerLimitsRefuseWhatTheDefaultsAccept() throws Exception {
    String longPath = "/" + "p".repeat(99); // 100 bytes: over 64, far under the default 1024
    List<Integer> ports = FreePorts.distinct(6);
    List<String> members = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      members.add(
          id + "=127.0.0.1:" + ports.get(2 * id - 2) + ",127.0.0.1:" + ports.get(2 * id - 1));
    }
    LockdConfig defaults = settings(1, members);
    assertEquals(1024, defaults.limits().maxPathBytes());
    NamespaceException unknown =
        assertThrows(
            NamespaceException.class, () -> new Namespace(defaults.limits()).getStat(longPath));
    assertEquals(ErrorReason.ERROR_REASON_NODE_NOT_FOUND, unknown.reason()); // a valid path

    List<LockdServer> servers = new ArrayList<>();
    ManagedChannel channel = null;
    try {
      for (int id = 1; id <= 3; id++) {
        LockdConfig s =
            settings(
                id,
                members,
                "--path-bytes-max",
                "64",
                "--content-bytes-max",
                "4096",
                "--inbound-message-bytes-max",
                "8192");
        assertEquals(64, s.limits().maxPathBytes());
        servers.add(LockdServer.start(s));
      }
      LockdServer leader = Leaders.await(servers, WAIT_MILLIS);
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", leader.clientPort()).usePlaintext().build();
      long session =
          SessionGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .createSession(CreateSessionRequest.newBuilder().setClientName("limits").build())
              .getSessionId();
      NodeGrpc.NodeBlockingStub nodes =
          NodeGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class, () -> nodes.create(file(session, 1, longPath)));
      assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
      assertEquals(
          ErrorReason.ERROR_REASON_BAD_PATH,
          refused.getTrailers().get(GrpcErrors.ERROR_DETAIL).getReason());
      assertTrue(
          refused.getStatus().getDescription().contains("limit maxPathBytes=64"),
          refused.getStatus().getDescription());
      nodes.create(file(session, 2, "/" + "p".repeat(63))); // 64 bytes: within the limit

      // Contents over their limit are the namespace's refusal; a message over the port's limit
      // is refused by gRPC before lockd sees it (no lockd-error-detail-bin).
      StatusRuntimeException tooLarge =
          assertThrows(
              StatusRuntimeException.class, () -> nodes.setContents(contents(session, 3, 5_000)));
      assertEquals(
          ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE,
          tooLarge.getTrailers().get(GrpcErrors.ERROR_DETAIL).getReason());
      assertTrue(
          tooLarge.getStatus().getDescription().contains("limit maxContentBytes=4096"),
          tooLarge.getStatus().getDescription());
      StatusRuntimeException tooLong =
          assertThrows(
              StatusRuntimeException.class, () -> nodes.setContents(contents(session, 3, 10_000)));
      assertEquals(
          Status.Code.RESOURCE_EXHAUSTED,
          tooLong.getStatus().getCode(),
          tooLong.getStatus().toString());
      assertFalse(
          tooLong.getTrailers() != null
              && tooLong.getTrailers().containsKey(GrpcErrors.ERROR_DETAIL));
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      servers.forEach(LockdServer::close);
    }
  }

  /** The settings {@code lockd} builds from these options (nothing starts). */
  private LockdConfig settings(int id, List<String> members, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--cell",
                "limits",
                "--id",
                Integer.toString(id),
                "--data-dir",
                dir.resolve("r" + id).toString()));
    for (String m : members) {
      args.add("--member");
      args.add(m);
    }
    args.addAll(List.of(extra));
    LockdMain main = new LockdMain();
    new CommandLine(main).parseArgs(args.toArray(String[]::new));
    return main.config();
  }

  private static CreateNodeRequest file(long session, long sequence, String path) {
    return CreateNodeRequest.newBuilder()
        .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(sequence))
        .setPath(path)
        .setKind(NodeKind.NODE_KIND_FILE)
        .build();
  }

  private static SetContentsRequest contents(long session, long sequence, int bytes) {
    return SetContentsRequest.newBuilder()
        .setHeader(RequestHeader.newBuilder().setSessionId(session).setSequence(sequence))
        .setPath("/" + "p".repeat(63))
        .setContents(ByteString.copyFrom(new byte[bytes]))
        .build();
  }
}
