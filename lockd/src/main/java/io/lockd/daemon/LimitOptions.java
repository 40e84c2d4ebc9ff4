package io.lockd.daemon;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.server.grpc.LockdConfigBuilder;
import picocli.CommandLine.Option;

/** Namespace limits (part of the replicated state: equal on every member). */
final class LimitOptions {
  @Option(
      names = {"--max-content-bytes", "--content-bytes-max"},
      paramLabel = "BYTES",
      defaultValue = "" + NamespaceLimits.CONTENT_BYTES_MAX_DEFAULT,
      description = "Largest file contents (default: ${DEFAULT-VALUE}).")
  int maxContentBytes;

  @Option(
      names = {"--max-total-content-bytes", "--total-content-bytes-max"},
      paramLabel = "BYTES",
      defaultValue = "" + NamespaceLimits.TOTAL_CONTENT_BYTES_MAX_DEFAULT,
      description = "Largest sum of all files' contents (default: ${DEFAULT-VALUE}).")
  long maxTotalContentBytes;

  @Option(
      names = {"--max-path-bytes", "--path-bytes-max"},
      paramLabel = "BYTES",
      defaultValue = "" + NamespaceLimits.PATH_BYTES_MAX_DEFAULT,
      description = "Longest path, in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  int maxPathBytes;

  @Option(
      names = {"--max-path-depth", "--path-depth-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.PATH_DEPTH_MAX_DEFAULT,
      description = "Most components in a path (default: ${DEFAULT-VALUE}).")
  int maxPathDepth;

  @Option(
      names = {"--max-children-per-directory", "--children-per-directory-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.CHILDREN_PER_DIRECTORY_MAX_DEFAULT,
      description = "Most children of one directory (default: ${DEFAULT-VALUE}).")
  int maxChildrenPerDirectory;

  @Option(
      names = {"--max-nodes", "--nodes-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.NODES_MAX_DEFAULT,
      description = "Most nodes (default: ${DEFAULT-VALUE}).")
  int maxNodes;

  @Option(
      names = {"--max-sessions", "--sessions-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.SESSIONS_MAX_DEFAULT,
      description = "Most sessions at once (default: ${DEFAULT-VALUE}).")
  int maxSessions;

  @Option(
      names = {"--max-waiters-per-lock", "--waiters-per-lock-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.WAITERS_PER_LOCK_MAX_DEFAULT,
      description = "Most queued acquires per lock (default: ${DEFAULT-VALUE}).")
  int maxWaitersPerLock;

  @Option(
      names = {"--max-events-per-session", "--events-per-session-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.EVENTS_PER_SESSION_MAX_DEFAULT,
      description = "Events buffered per session before RESYNC (default: ${DEFAULT-VALUE}).")
  int maxEventsPerSession;

  @Option(
      names = {"--max-watches-per-session", "--watches-per-session-max"},
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.WATCHES_PER_SESSION_MAX_DEFAULT,
      description = "Most watches of one session (default: ${DEFAULT-VALUE}).")
  int maxWatchesPerSession;

  @Option(
      names = "--session-lease-ms",
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.LEASE_MILLIS_DEFAULT,
      description =
          "Session lease when the client asks for none, within the shortest and longest "
              + "(default: ${DEFAULT-VALUE}).")
  long sessionLeaseMillis;

  @Option(
      names = {"--min-session-lease-ms", "--session-lease-min-ms"},
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.LEASE_MIN_MILLIS_DEFAULT,
      description = "Shortest session lease granted (default: ${DEFAULT-VALUE}).")
  long minSessionLeaseMillis;

  @Option(
      names = {"--max-session-lease-ms", "--session-lease-max-ms"},
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.LEASE_MAX_MILLIS_DEFAULT,
      description = "Longest session lease granted (default: ${DEFAULT-VALUE}).")
  long maxSessionLeaseMillis;

  @Option(
      names = "--lock-delay-ms",
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.LOCK_DELAY_MILLIS_DEFAULT,
      description =
          "Lock-delay of nodes created without one (default: ${DEFAULT-VALUE}, "
              + "at most --max-lock-delay-ms).")
  long lockDelayMillis;

  @Option(
      names = {"--max-lock-delay-ms", "--lock-delay-max-ms"},
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.LOCK_DELAY_MAX_MILLIS_DEFAULT,
      description =
          "Largest lock-delay a node may ask for (default: ${DEFAULT-VALUE}, " + "at most 60000).")
  long maxLockDelayMillis;

  @Option(
      names = {"--max-wait-ms", "--wait-max-ms"},
      paramLabel = "MS",
      defaultValue = "" + NamespaceLimits.WAIT_MAX_MILLIS_DEFAULT,
      description =
          "Longest wait of a queued acquire; longer waits are shortened to it "
              + "(default: ${DEFAULT-VALUE}).")
  long maxWaitMillis;

  @Option(
      names = {"--max-client-name-bytes", "--client-name-bytes-max"},
      paramLabel = "BYTES",
      defaultValue = "" + NamespaceLimits.CLIENT_NAME_BYTES_MAX_DEFAULT,
      description = "Longest session client name, in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
  int maxClientNameBytes;

  @Option(
      names = "--sequence-window",
      paramLabel = "N",
      defaultValue = "" + NamespaceLimits.SEQUENCE_WINDOW_DEFAULT,
      description =
          "How far a request's sequence number may be above its session's last "
              + "applied one (default: ${DEFAULT-VALUE}).")
  long sequenceWindow;

  void applyTo(LockdConfigBuilder b) {
    b.maxContentBytes(maxContentBytes);
    b.maxTotalContentBytes(maxTotalContentBytes);
    b.maxPathBytes(maxPathBytes);
    b.maxPathDepth(maxPathDepth);
    b.maxChildrenPerDirectory(maxChildrenPerDirectory);
    b.maxNodes(maxNodes);
    b.maxSessions(maxSessions);
    b.maxWaitersPerLock(maxWaitersPerLock);
    b.maxEventsPerSession(maxEventsPerSession);
    b.maxWatchesPerSession(maxWatchesPerSession);
    b.sessionLeaseMillis(sessionLeaseMillis);
    b.minSessionLeaseMillis(minSessionLeaseMillis);
    b.maxSessionLeaseMillis(maxSessionLeaseMillis);
    b.lockDelayMillis(lockDelayMillis);
    b.maxLockDelayMillis(maxLockDelayMillis);
    b.maxWaitMillis(maxWaitMillis);
    b.maxClientNameBytes(maxClientNameBytes);
    b.sequenceWindow(sequenceWindow);
  }
}
