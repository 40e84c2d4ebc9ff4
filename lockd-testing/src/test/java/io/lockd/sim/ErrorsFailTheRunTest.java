package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulation run fails when the system under test throws where it should not, or logs an ERROR
 * line, even if every checker is satisfied (issue: hardening, item 10: an exception thrown on every
 * replica once passed 40 of 40 seeds with 139 ERROR lines). The lock service's cases (a server that
 * throws, or logs an ERROR, fails the real-client simulation) are lock-client's {@code
 * io.lockd.client.sim.ServerErrorsFailTheRunTest}.
 */
class ErrorsFailTheRunTest {
  private static final Logger log = LoggerFactory.getLogger(ErrorsFailTheRunTest.class);

  @Test
  void anErrorLineIsAViolationAndAWarningIsNot() {
    String found =
        Violation.findIn(
            () -> log.error("injected failure {}", 7, new IllegalStateException("cause")));
    assertNotNull(found);
    assertTrue(
        found.contains("injected failure 7") && found.contains("IllegalStateException"), found);
    assertNull(Violation.findIn(() -> log.warn("only a warning")));
  }

  @Test
  void onlyTheRunsOwnThreadCounts() {
    // Seeds run in parallel: a line from another thread belongs to another run.
    String found =
        Violation.findIn(
            () -> {
              Thread other = new Thread(() -> log.error("another run's line"));
              other.start();
              try {
                other.join(10_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertNull(found);
  }
}
