package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Over real sockets, no gRPC thread outlives the client (gRPC releases its shared ones lazily). */
class NettyShutdownTest {
  /**
   * Over real sockets: gRPC's own netty threads are released too (they are shared and go lazily).
   */
  @Test
  void nettyChannelsAreShutDown() throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
    try {
      LockClient client =
          LockClient.builder()
              .endpoints("127.0.0.1:" + server.getPort())
              .operationTimeout(Duration.ofSeconds(10))
              .build();
      LockdException e = assertThrows(LockdException.class, () -> client.admin().cellStatus());
      assertEquals(Status.Code.UNIMPLEMENTED, e.code(), e.getMessage());
      client.close();
      Eventually.await("client threads gone", () -> ClientLifecycleTest.clientThreads().isEmpty());
    } finally {
      server.shutdownNow();
      server.awaitTermination();
    }
    try {
      Eventually.await("grpc threads gone", () -> grpcThreads().isEmpty(), Duration.ofSeconds(10));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + names(grpcThreads()));
    }
  }

  private static Set<Thread> grpcThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("grpc-") && t.isAlive())
        .collect(Collectors.toSet());
  }

  private static List<String> names(Set<Thread> threads) {
    return threads.stream().map(Thread::getName).toList();
  }
}
