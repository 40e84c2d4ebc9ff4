package io.lockd.cli;

import java.util.Locale;

/**
 * lockctl's logging: errors only, on stderr, so that stdout carries nothing but data. {@code
 * LOCKCTL_LOG_LEVEL} (trace, debug, info, warn, error) shows more of the client's own log ({@code
 * io.lockd}) when a problem needs it.
 *
 * <p>The backend is slf4j-simple, configured through system properties, because logback's start-up
 * cost about 120 ms of CPU on every run for a CLI that prints a few errors at most.
 */
final class LockctlLogging {
  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private LockctlLogging() {}

  /** Sets the defaults before the first logger exists; settings given with -D are kept. */
  static void configure() {
    setIfAbsent("logFile", "System.err");
    setIfAbsent("defaultLogLevel", "error");
    setIfAbsent("showThreadName", "false");
    setIfAbsent("showShortLogName", "true");
    String level = System.getenv("LOCKCTL_LOG_LEVEL");
    if (level != null && !level.isBlank()) {
      setIfAbsent("log.io.lockd", level.trim().toLowerCase(Locale.ROOT));
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(PREFIX + key) == null) {
      System.setProperty(PREFIX + key, value);
    }
  }
}
