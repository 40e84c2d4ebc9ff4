package io.lockd.transport;

/**
 * The bounds a {@link GrpcPeerTransport} works within. Every queue and message has a limit so that
 * a slow or dead peer costs a fixed amount of memory, never an amount that grows with load.
 *
 * @param maxQueueMessages messages waiting for one peer's stream; beyond this, sends are dropped
 * @param maxQueueBytes encoded bytes waiting for one peer's stream; beyond this, sends are dropped
 * @param maxMessageBytes the largest encoded envelope sent or accepted. Snapshot chunks must fit:
 *     16 MiB leaves room for 4 MiB chunks with any header growth
 * @param backoffInitialMillis first wait before re-opening a failed stream
 * @param backoffMaxMillis cap on that wait as failures repeat; also the wait after a peer refused
 *     the stream for a reason retrying soon cannot fix (another cell, another protocol version)
 * @param keepAliveMillis interval of HTTP/2 pings that detect a peer gone silent without closing
 *     its connection. gRPC raises anything below 10 seconds to 10 seconds on the client side
 * @param keepAliveTimeoutMillis how long a ping may go unanswered before the connection is dropped
 * @param handshakeTimeoutMillis deadline of the Hello that precedes each stream; it also bounds a
 *     dial to a peer that neither accepts nor refuses connections
 * @param closeTimeoutMillis how long {@link GrpcPeerTransport#close()} waits for channels, server
 *     and threads to stop before it forces them
 */
public record TransportLimits(
    int maxQueueMessages,
    long maxQueueBytes,
    int maxMessageBytes,
    long backoffInitialMillis,
    long backoffMaxMillis,
    long keepAliveMillis,
    long keepAliveTimeoutMillis,
    long handshakeTimeoutMillis,
    long closeTimeoutMillis) {

  /**
   * How long an inbound stream may deliver nothing before a new stream claiming the same peer id
   * may replace it (a restarted replica whose old connection went silent rather than reset; see
   * {@link InboundPeers}). Every replica sends each peer a state checksum about every second.
   */
  public static final long PEER_SILENCE_MILLIS = 5_000;

  public TransportLimits {
    positive("maxQueueMessages", maxQueueMessages);
    positive("maxQueueBytes", maxQueueBytes);
    positive("maxMessageBytes", maxMessageBytes);
    positive("backoffInitialMillis", backoffInitialMillis);
    positive("keepAliveMillis", keepAliveMillis);
    positive("keepAliveTimeoutMillis", keepAliveTimeoutMillis);
    positive("handshakeTimeoutMillis", handshakeTimeoutMillis);
    positive("closeTimeoutMillis", closeTimeoutMillis);
    if (backoffMaxMillis < backoffInitialMillis) {
      throw new IllegalArgumentException("backoffMaxMillis must be >= backoffInitialMillis");
    }
  }

  /** Limits for a production cell: reconnect within a second, room for 4 MiB snapshot chunks. */
  public static TransportLimits defaults() {
    return new TransportLimits(4096, 64L << 20, 16 << 20, 50, 1_000, 10_000, 5_000, 5_000, 5_000);
  }

  public TransportLimits withQueue(int maxMessages, long maxBytes) {
    return new TransportLimits(
        maxMessages,
        maxBytes,
        maxMessageBytes,
        backoffInitialMillis,
        backoffMaxMillis,
        keepAliveMillis,
        keepAliveTimeoutMillis,
        handshakeTimeoutMillis,
        closeTimeoutMillis);
  }

  public TransportLimits withBackoffMillis(long initialMillis, long maxMillis) {
    return new TransportLimits(
        maxQueueMessages,
        maxQueueBytes,
        maxMessageBytes,
        initialMillis,
        maxMillis,
        keepAliveMillis,
        keepAliveTimeoutMillis,
        handshakeTimeoutMillis,
        closeTimeoutMillis);
  }

  public TransportLimits withMaxMessageBytes(int maxBytes) {
    return new TransportLimits(
        maxQueueMessages,
        maxQueueBytes,
        maxBytes,
        backoffInitialMillis,
        backoffMaxMillis,
        keepAliveMillis,
        keepAliveTimeoutMillis,
        handshakeTimeoutMillis,
        closeTimeoutMillis);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
  }
}
