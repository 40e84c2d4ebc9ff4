package io.lockd.client;

import io.grpc.ChannelCredentials;
import io.grpc.Codec;
import io.grpc.DecompressorRegistry;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The client's own {@link ChannelFactory}: Netty channels with the given credentials (plaintext by
 * default, or TLS from {@link ClientTls}), set up for many small calls.
 *
 * <ul>
 *   <li>gRPC's own retries are off: the client retries in {@link Rpc}, with the same (session,
 *       sequence), so gRPC's retry buffering would only cost time on every call.
 *   <li>No compressed answers are offered to accept (lockd's messages are small), which saves a
 *       request header per call.
 *   <li>Given the runtime's loop threads, the channels do their socket I/O on those threads too
 *       ({@link LoopThreads}), with a fixed flow-control window: gRPC's automatic window tuning
 *       pings the server on a busy connection, for nothing when every message is small.
 * </ul>
 */
final class NettyChannels implements ChannelFactory {
  static final NettyChannels PLAINTEXT = new NettyChannels(null);

  /** gRPC's default initial window: above a usual lockd message (larger ones pass in steps). */
  private static final int FLOW_CONTROL_WINDOW = 1 << 20;

  /**
   * Identity only, and not advertised: no grpc-accept-encoding header (a server may still name
   * identity).
   */
  private static final DecompressorRegistry IDENTITY_ONLY =
      DecompressorRegistry.emptyInstance().with(Codec.Identity.NONE, false);

  private final ClientTls tls; // null: plaintext

  private NettyChannels(ClientTls tls) {
    this.tls = tls;
  }

  /** TLS channels with {@code tls}'s trust and (if any) client certificate. */
  static NettyChannels tls(ClientTls tls) {
    return new NettyChannels(tls);
  }

  private ChannelCredentials credentials() {
    return tls == null ? InsecureChannelCredentials.create() : tls.credentials();
  }

  @Override
  public ManagedChannel create(String address, Executor executor) {
    return Grpc.newChannelBuilder(address, credentials())
        .executor(executor)
        .disableRetry()
        .decompressorRegistry(IDENTITY_ONLY)
        .build();
  }

  /** A channel whose sockets are served by {@code loops}. */
  ManagedChannel create(String address, Executor executor, LoopThreads loops) {
    return NettyChannelBuilder.forTarget(address, credentials())
        .eventLoopGroup(loops.group())
        .channelType(loops.socketChannelType(), InetSocketAddress.class)
        .executor(executor)
        .disableRetry()
        .decompressorRegistry(IDENTITY_ONLY)
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        .build();
  }

  /**
   * Equal factories (same TLS material) share runtimes ({@link LockClient.Builder#sharedRuntime}).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof NettyChannels other && java.util.Objects.equals(tls, other.tls);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(tls);
  }
}
