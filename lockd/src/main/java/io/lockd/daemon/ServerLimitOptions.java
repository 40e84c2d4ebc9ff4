package io.lockd.daemon;

import picocli.CommandLine.Option;

/** Limits of this replica's client port and serving memory (each member may differ). */
final class ServerLimitOptions {
  @Option(
      names = "--inbound-message-bytes-max",
      paramLabel = "BYTES",
      description =
          "Largest message a client may send; at least --content-bytes-max + "
              + "--path-bytes-max + 1024 (default: --content-bytes-max + 65536).")
  Integer inboundMessageBytesMax;

  @Option(
      names = "--calls-per-connection-max",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Calls and streams open at once on one client connection "
              + "(default: ${DEFAULT-VALUE}).")
  int callsPerConnectionMax;

  @Option(
      names = "--calls-per-stream-max",
      paramLabel = "N",
      defaultValue = "4096",
      description =
          "Unanswered calls on one Session/Calls stream; more are answered "
              + "RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  int callsPerStreamMax;

  @Option(
      names = "--keepalive-streams-max",
      paramLabel = "N",
      defaultValue = "100000",
      description = "KeepAlive streams open at once on this replica (default: ${DEFAULT-VALUE}).")
  int streamsMax;

  @Option(
      names = "--keepalive-streams-per-session-max",
      paramLabel = "N",
      defaultValue = "4",
      description =
          "KeepAlive streams of one session; a newer one ends the oldest "
              + "(default: ${DEFAULT-VALUE}).")
  int streamsPerSessionMax;

  @Option(
      names = "--parked-requests-max",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "Requests held while a leader is being elected; more are answered "
              + "UNAVAILABLE at once (default: ${DEFAULT-VALUE}).")
  int parkedRequestsMax;

  @Option(
      names = "--park-ms",
      paramLabel = "MS",
      defaultValue = "1500",
      description =
          "How long a request waits for an election to end before it is answered "
              + "UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  long parkMillis;

  @Option(
      names = "--cached-files-per-session-max",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "Files the leader registers as cached by one caching session; reads "
              + "beyond it are answered uncacheable (default: ${DEFAULT-VALUE}).")
  int cachedFilesPerSessionMax;
}
