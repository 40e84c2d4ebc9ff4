package io.lockd.server;

import io.lockd.proto.v1.KeepAliveResponse;

/**
 * The sending half of one KeepAlive stream, as the transport provides it. Called only on the
 * replica's thread; implementations must not throw.
 */
public interface EventSink {
  /**
   * False while the transport's buffer is full; pushes wait for {@link KeepAliveStream#onReady}.
   */
  boolean ready();

  void send(KeepAliveResponse response);

  /** True once the transport's call has ended (the client went away); the stream is dropped. */
  default boolean closed() {
    return false;
  }

  /** Ends the stream: normally if {@code error} is null, else with that error. */
  void close(ServerError error);
}
