package io.lockd.sim;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The ERROR lines a simulation run logs. Production code logs at ERROR only what must not happen (a
 * broken invariant, a failure it could not handle), so a run that logged one did not keep its
 * guarantees even when every checker passed: {@link Violation#findIn} turns them into a violation.
 *
 * <p>Tests log through slf4j to logback (logback-test.xml). An appender on the root logger sees
 * every ERROR event, on the thread that logged it. Many runs share the JVM, and parallel seeds run
 * on the threads of one pool, so a line belongs to the run recording on its thread: a run is
 * single-threaded from start to end (the simulation has no other thread).
 */
final class ErrorLog extends AppenderBase<ILoggingEvent> {
  /** Lines kept per run; more are counted only. */
  static final int LINES_MAX = 20;

  private static final ThreadLocal<Recording> RECORDING = new ThreadLocal<>();

  static {
    install();
  }

  /** The ERROR lines of one run. */
  static final class Recording {
    private final List<String> lines = new ArrayList<>();
    private int count;

    int count() {
      return count;
    }

    List<String> lines() {
      return List.copyOf(lines);
    }

    private void add(String line) {
      count++;
      if (lines.size() < LINES_MAX) {
        lines.add(line);
      }
    }
  }

  private ErrorLog() {}

  /**
   * Runs {@code run} on this thread, recording into {@code into} the ERROR lines logged on this
   * thread meanwhile.
   */
  static <T> T record(Recording into, Supplier<T> run) {
    Recording outer = RECORDING.get();
    RECORDING.set(into);
    try {
      return run.get();
    } finally {
      if (outer == null) {
        RECORDING.remove();
      } else {
        RECORDING.set(outer);
      }
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    Recording recording = RECORDING.get();
    if (recording == null || !event.getLevel().isGreaterOrEqual(Level.ERROR)) {
      return;
    }
    StringBuilder line =
        new StringBuilder(event.getLoggerName()).append(": ").append(event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.append(" (")
          .append(thrown.getClassName())
          .append(": ")
          .append(thrown.getMessage())
          .append(')');
    }
    recording.add(line.toString());
  }

  private static void install() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      throw new IllegalStateException(
          "simulations watch for ERROR lines through logback, but "
              + "slf4j is bound to "
              + factory.getClass().getName());
    }
    ErrorLog appender = new ErrorLog();
    appender.setContext(context);
    appender.setName("simulation-error-lines");
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
  }
}
