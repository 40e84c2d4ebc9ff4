package io.lockd.testing;

import io.lockd.server.CellServer;
import io.lockd.server.grpc.LockdServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Finding the serving leader among in-JVM replicas, with a bounded wait. */
public final class Leaders {
  private Leaders() {}

  /** Waits at most {@code waitMillis} until one of {@code servers} serves clients; returns it. */
  public static LockdServer await(List<LockdServer> servers, long waitMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    while (System.nanoTime() < deadline) {
      for (LockdServer s : servers) {
        if (serving(s)) {
          return s;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader within " + waitMillis + " ms");
  }

  /**
   * Whether {@code s} serves clients. A loop may stop between the isRunning check and the call (a
   * replica that fail-stops is what some tests are about): that replica does not serve.
   */
  private static boolean serving(LockdServer s) throws Exception {
    if (!s.loop().isRunning()) {
      return false;
    }
    try {
      return s.onLoop(CellServer::serving, 5_000);
    } catch (TimeoutException | IllegalStateException e) {
      return false;
    }
  }
}
