package io.lockd.client;

import io.grpc.ManagedChannel;
import java.util.concurrent.Executor;

/**
 * Makes the gRPC channel to one replica's client endpoint. The default connects in plain text;
 * supply your own to add TLS, interceptors or, in tests, in-process channels. The channel should
 * use {@code executor} as its default executor (each call of the client names its own loop as its
 * executor too), and should {@code disableRetry()}: the client retries by itself, with the same
 * (session, sequence), and gRPC's retry buffering only costs time.
 *
 * <p>Clients built with the same factory <em>instance</em> (and the same endpoints) share their
 * channels and threads ({@link LockClient.Builder#sharedRuntime}); so create the factory once and
 * pass it to every builder.
 *
 * <pre>{@code
 * ChannelFactory tls = (address, executor) ->
 *     Grpc.newChannelBuilder(address, TlsChannelCredentials.create())
 *         .executor(executor)
 *         .disableRetry()
 *         .build();
 * LockClient client = LockClient.builder()
 *     .endpoints("10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001")
 *     .channelFactory(tls)
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface ChannelFactory {
  /** A new channel to {@code address} (host:port) whose callbacks run on {@code executor}. */
  ManagedChannel create(String address, Executor executor);

  /**
   * Plain-text channels (no TLS); always the same instance. With it the client's loop threads do
   * the channels' socket I/O as well.
   */
  static ChannelFactory plaintext() {
    return NettyChannels.PLAINTEXT;
  }

  /**
   * TLS channels that trust the CA in {@code caPem} and present the client certificate {@code
   * certPem} with its private key {@code keyPem} (unencrypted PKCS#8), or none if both are null.
   * Factories made from equal material are equal, so clients built with them share runtimes. Throws
   * IllegalArgumentException naming the part that cannot be parsed.
   */
  static ChannelFactory tls(byte[] caPem, byte[] certPem, byte[] keyPem) {
    return NettyChannels.tls(ClientTls.of(caPem, certPem, keyPem));
  }
}
