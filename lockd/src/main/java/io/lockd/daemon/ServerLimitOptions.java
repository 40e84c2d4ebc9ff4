package io.lockd.daemon;

import io.lockd.server.ServerConfig;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import picocli.CommandLine.Option;

/** Limits of this replica's client port and serving memory (each member may differ). */
final class ServerLimitOptions {
  @Option(
      names = {"--max-inbound-message-bytes", "--inbound-message-bytes-max"},
      paramLabel = "BYTES",
      description =
          "Largest message a client may send; at least --max-content-bytes + "
              + "--max-path-bytes + 1024 (default: --max-content-bytes + 65536).")
  Integer maxInboundMessageBytes;

  @Option(
      names = {"--max-calls-per-connection", "--calls-per-connection-max"},
      paramLabel = "N",
      defaultValue = "" + LockdConfig.CALLS_PER_CONNECTION_MAX,
      description =
          "Calls and streams open at once on one client connection; the next is refused "
              + "RESOURCE_EXHAUSTED at once (default: ${DEFAULT-VALUE}: 5,000 sessions of a "
              + "KeepAlive and a Calls stream each, with room).")
  int maxCallsPerConnection;

  @Option(
      names = "--max-session-creations-in-flight",
      paramLabel = "N",
      defaultValue = "" + LockdConfig.SESSION_CREATIONS_IN_FLIGHT_MAX,
      description =
          "Session creations in progress at once on this replica; more are refused "
              + "RESOURCE_EXHAUSTED (reason BUSY) at once, and clients retry with backoff "
              + "(default: ${DEFAULT-VALUE}).")
  int maxSessionCreationsInFlight;

  @Option(
      names = "--max-keepalive-openings-in-flight",
      paramLabel = "N",
      defaultValue = "" + LockdConfig.KEEPALIVE_OPENINGS_IN_FLIGHT_MAX,
      description =
          "KeepAlive streams being opened at once on this replica (a leader change reconnects "
              + "them all); more are refused RESOURCE_EXHAUSTED (reason BUSY) at once, and "
              + "clients retry with backoff (default: ${DEFAULT-VALUE}).")
  int maxKeepaliveOpeningsInFlight;

  @Option(
      names = {"--max-calls-per-stream", "--calls-per-stream-max"},
      paramLabel = "N",
      defaultValue = "" + ServerConfig.CALLS_PER_STREAM_MAX,
      description =
          "Unanswered calls on one Session/Calls stream; more are answered "
              + "RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  int maxCallsPerStream;

  @Option(
      names = {"--max-keepalive-streams", "--keepalive-streams-max"},
      paramLabel = "N",
      defaultValue = "" + ServerConfig.STREAMS_MAX,
      description = "KeepAlive streams open at once on this replica (default: ${DEFAULT-VALUE}).")
  int maxKeepaliveStreams;

  @Option(
      names = {"--max-keepalive-streams-per-session", "--keepalive-streams-per-session-max"},
      paramLabel = "N",
      defaultValue = "" + ServerConfig.STREAMS_PER_SESSION_MAX,
      description =
          "KeepAlive streams of one session; a newer one ends the oldest "
              + "(default: ${DEFAULT-VALUE}).")
  int maxKeepaliveStreamsPerSession;

  @Option(
      names = {"--max-parked-requests", "--parked-requests-max"},
      paramLabel = "N",
      defaultValue = "" + ServerConfig.PARKED_REQUESTS_MAX,
      description =
          "Requests held while a leader is being elected; more are answered "
              + "UNAVAILABLE at once (default: ${DEFAULT-VALUE}).")
  int maxParkedRequests;

  @Option(
      names = "--park-ms",
      paramLabel = "MS",
      defaultValue = "" + ServerConfig.PARK_MILLIS,
      description =
          "How long a request waits for an election to end before it is answered "
              + "UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  long parkMillis;

  @Option(
      names = {"--max-cached-files-per-session", "--cached-files-per-session-max"},
      paramLabel = "N",
      defaultValue = "" + ServerConfig.CACHED_FILES_PER_SESSION_MAX,
      description =
          "Files the leader registers as cached by one caching session; reads "
              + "beyond it are answered uncacheable (default: ${DEFAULT-VALUE}).")
  int maxCachedFilesPerSession;

  void applyTo(LockdConfigBuilder b) {
    if (maxInboundMessageBytes != null) {
      b.maxInboundMessageBytes(maxInboundMessageBytes);
    }
    b.maxCallsPerConnection(maxCallsPerConnection);
    b.maxCallsPerStream(maxCallsPerStream);
    b.maxSessionCreationsInFlight(maxSessionCreationsInFlight);
    b.maxKeepaliveOpeningsInFlight(maxKeepaliveOpeningsInFlight);
    b.maxKeepaliveStreams(maxKeepaliveStreams);
    b.maxKeepaliveStreamsPerSession(maxKeepaliveStreamsPerSession);
    b.maxParkedRequests(maxParkedRequests);
    b.parkMillis(parkMillis);
    b.maxCachedFilesPerSession(maxCachedFilesPerSession);
  }
}
