package io.lockd.client;

import io.grpc.Codec;
import io.grpc.DecompressorRegistry;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The default {@link ChannelFactory}: plain-text channels, set up for many small calls.
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
final class PlaintextChannels implements ChannelFactory {
  static final PlaintextChannels INSTANCE = new PlaintextChannels();

  /** gRPC's default initial window: above a usual lockd message (larger ones pass in steps). */
  private static final int FLOW_CONTROL_WINDOW = 1 << 20;

  /**
   * Identity only, and not advertised: no grpc-accept-encoding header (a server may still name
   * identity).
   */
  private static final DecompressorRegistry IDENTITY_ONLY =
      DecompressorRegistry.emptyInstance().with(Codec.Identity.NONE, false);

  private PlaintextChannels() {}

  @Override
  public ManagedChannel create(String address, Executor executor) {
    return Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
        .executor(executor)
        .disableRetry()
        .decompressorRegistry(IDENTITY_ONLY)
        .build();
  }

  /** A channel whose sockets are served by {@code loops}. */
  ManagedChannel create(String address, Executor executor, LoopThreads loops) {
    return NettyChannelBuilder.forTarget(address, InsecureChannelCredentials.create())
        .eventLoopGroup(loops.group())
        .channelType(loops.socketChannelType(), InetSocketAddress.class)
        .executor(executor)
        .disableRetry()
        .decompressorRegistry(IDENTITY_ONLY)
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        .build();
  }
}
