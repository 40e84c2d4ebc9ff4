package io.lockd.client;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The default {@link ChannelFactory}: plain-text channels. gRPC's own retries are off: the client
 * retries in {@link Rpc}, with the same (session, sequence), so gRPC's retry buffering would only
 * cost time on every call. Given the runtime's loop threads, the channels do their socket I/O on
 * those threads too (see {@link LoopThreads}).
 */
final class PlaintextChannels implements ChannelFactory {
  static final PlaintextChannels INSTANCE = new PlaintextChannels();

  private PlaintextChannels() {}

  @Override
  public ManagedChannel create(String address, Executor executor) {
    return Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
        .executor(executor)
        .disableRetry()
        .build();
  }

  /** A channel whose sockets are served by {@code loops}. */
  ManagedChannel create(String address, Executor executor, LoopThreads loops) {
    return NettyChannelBuilder.forTarget(address, InsecureChannelCredentials.create())
        .eventLoopGroup(loops.group())
        .channelType(loops.socketChannelType(), InetSocketAddress.class)
        .executor(executor)
        .disableRetry()
        .build();
  }
}
