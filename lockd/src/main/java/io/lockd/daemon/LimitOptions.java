package io.lockd.daemon;

import picocli.CommandLine.Option;

/** Namespace limits. */
final class LimitOptions {
  @Option(
      names = "--content-bytes-max",
      paramLabel = "BYTES",
      defaultValue = "262144",
      description = "Largest file contents (default: ${DEFAULT-VALUE}).")
  int contentBytesMax;

  @Option(
      names = "--sessions-max",
      paramLabel = "N",
      defaultValue = "20000",
      description = "Most sessions at once (default: ${DEFAULT-VALUE}).")
  int sessionsMax;

  @Option(
      names = "--nodes-max",
      paramLabel = "N",
      defaultValue = "200000",
      description = "Most nodes (default: ${DEFAULT-VALUE}).")
  int nodesMax;

  @Option(
      names = "--waiters-per-lock-max",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Most queued acquires per lock (default: ${DEFAULT-VALUE}).")
  int waitersPerLockMax;

  @Option(
      names = "--events-per-session-max",
      paramLabel = "N",
      defaultValue = "256",
      description = "Events buffered per session before RESYNC (default: ${DEFAULT-VALUE}).")
  int eventsPerSessionMax;

  @Option(
      names = "--session-lease-ms",
      paramLabel = "MS",
      defaultValue = "12000",
      description = "Session lease when the client asks for none (default: ${DEFAULT-VALUE}).")
  long sessionLeaseMillis;

  @Option(
      names = "--session-lease-min-ms",
      paramLabel = "MS",
      defaultValue = "1000",
      description = "Shortest session lease granted (default: ${DEFAULT-VALUE}).")
  long sessionLeaseMinMillis;

  @Option(
      names = "--session-lease-max-ms",
      paramLabel = "MS",
      defaultValue = "60000",
      description = "Longest session lease granted (default: ${DEFAULT-VALUE}).")
  long sessionLeaseMaxMillis;

  @Option(
      names = "--lock-delay-ms",
      paramLabel = "MS",
      defaultValue = "10000",
      description =
          "Lock-delay of nodes created without one (default: ${DEFAULT-VALUE}, "
              + "at most --lock-delay-max-ms).")
  long lockDelayMillis;

  @Option(
      names = "--lock-delay-max-ms",
      paramLabel = "MS",
      defaultValue = "60000",
      description =
          "Largest lock-delay a node may ask for (default: ${DEFAULT-VALUE}, " + "at most 60000).")
  long lockDelayMaxMillis;

  @Option(
      names = "--total-content-bytes-max",
      paramLabel = "BYTES",
      defaultValue = "268435456",
      description = "Largest sum of all files' contents (default: ${DEFAULT-VALUE}).")
  long totalContentBytesMax;

  @Option(
      names = "--path-bytes-max",
      paramLabel = "BYTES",
      defaultValue = "1024",
      description = "Longest path, in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  int pathBytesMax;

  @Option(
      names = "--path-depth-max",
      paramLabel = "N",
      defaultValue = "64",
      description = "Most components in a path (default: ${DEFAULT-VALUE}).")
  int pathDepthMax;

  @Option(
      names = "--children-per-directory-max",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Most children of one directory (default: ${DEFAULT-VALUE}).")
  int childrenPerDirectoryMax;

  @Option(
      names = "--watches-per-session-max",
      paramLabel = "N",
      defaultValue = "256",
      description = "Most watches of one session (default: ${DEFAULT-VALUE}).")
  int watchesPerSessionMax;

  @Option(
      names = "--wait-max-ms",
      paramLabel = "MS",
      defaultValue = "3600000",
      description =
          "Longest wait of a queued acquire; longer waits are shortened to it "
              + "(default: ${DEFAULT-VALUE}).")
  long waitMaxMillis;

  @Option(
      names = "--client-name-bytes-max",
      paramLabel = "BYTES",
      defaultValue = "256",
      description = "Longest session client name, in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  int clientNameBytesMax;

  @Option(
      names = "--sequence-window",
      paramLabel = "N",
      defaultValue = "4294967296",
      description =
          "How far a request's sequence number may be above its session's last "
              + "applied one (default: ${DEFAULT-VALUE}).")
  long sequenceWindow;
}
