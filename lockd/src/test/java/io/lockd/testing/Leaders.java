package io.lockd.testing;

import io.lockd.server.CellServer;
import io.lockd.server.grpc.LockdServer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding the serving leader among in-JVM replicas, with a bounded wait. */
public final class Leaders {
  private Leaders() {}

  /** Waits at most {@code waitMillis} until one of {@code servers} serves clients; returns it. */
  public static LockdServer await(List<LockdServer> servers, long waitMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    while (System.nanoTime() < deadline) {
      for (LockdServer s : servers) {
        if (s.loop().isRunning() && s.onLoop(CellServer::serving, 5_000)) {
          return s;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader within " + waitMillis + " ms");
  }
}
