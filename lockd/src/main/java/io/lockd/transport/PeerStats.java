package io.lockd.transport;

/**
 * What a transport has done with one peer since it started, for status pages and diagnosis.
 *
 * @param sent messages handed to the peer's stream (or, for this replica itself, delivered
 *     locally); handing over is not delivery, a stream that breaks later may lose them
 * @param sentBytes the encoded size of those messages (gRPC's and TLS's framing not included)
 * @param dropped messages given up on: queue full, stream broken with messages still queued,
 *     message too large, transport not running
 * @param received messages from this peer passed to the inbound consumer
 * @param receivedBytes the encoded size of those messages
 * @param connected whether the peer has accepted the current outbound stream
 * @param lastFailure why the latest attempt at an outbound stream ended; empty while a stream is
 *     open and before any attempt has failed
 */
public record PeerStats(
    long sent,
    long sentBytes,
    long dropped,
    long received,
    long receivedBytes,
    boolean connected,
    String lastFailure) {}
