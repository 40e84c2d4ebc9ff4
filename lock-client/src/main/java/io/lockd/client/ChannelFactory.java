package io.lockd.client;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.Executor;

/**
 * Makes the gRPC channel to one replica's client endpoint. The default connects in plain text;
 * supply your own to add TLS, interceptors or, in tests, in-process channels. The channel must
 * deliver its callbacks on {@code executor} (the client's internal thread).
 *
 * <pre>{@code
 * LockClient client = LockClient.builder()
 *     .endpoints("10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001")
 *     .channelFactory((address, executor) ->
 *         Grpc.newChannelBuilder(address, TlsChannelCredentials.create())
 *             .executor(executor)
 *             .build())
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface ChannelFactory {
  /** A new channel to {@code address} (host:port) whose callbacks run on {@code executor}. */
  ManagedChannel create(String address, Executor executor);

  /** Plain-text channels (no TLS). */
  static ChannelFactory plaintext() {
    return (address, executor) ->
        Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
            .executor(executor)
            .build();
  }
}
