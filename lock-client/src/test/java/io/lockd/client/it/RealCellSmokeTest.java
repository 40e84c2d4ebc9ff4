package io.lockd.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.client.Clients;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import io.lockd.client.LockMode;
import io.lockd.client.Session;
import io.lockd.client.SessionState;
import io.lockd.client.WatchEvent;
import io.lockd.client.WatchKind;
import io.lockd.testing.InJvmCell;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the real server, three replicas in this JVM: every feature once. */
class RealCellSmokeTest {
  @TempDir static Path dir;
  static InJvmCell cell;

  @BeforeAll
  static void start() throws Exception {
    cell = InJvmCell.builder().size(3).dataRoot(dir).graceMillis(5_000).start();
  }

  @AfterAll
  static void stop() {
    cell.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void nodesLocksAndWatches() throws Exception {
    try (LockClient a = Clients.builder(cell).clientName("a").build();
        LockClient b = Clients.builder(cell).clientName("b").build()) {
      a.createDirectory("/smoke");
      a.createFile("/smoke/f", bytes("1"));
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      b.watch("/smoke/f", WatchKind.CONTENTS, seen::add);
      a.setContents("/smoke/f", bytes("2"));
      assertEquals("2", b.getContents("/smoke/f").contentsAsString());
      assertEquals(List.of("f"), a.children("/smoke"));

      DistributedLock la = a.lock("/smoke/f");
      assertTrue(la.tryAcquire());
      assertTrue(b.checkSequencer(la.sequencer()));
      DistributedLock lb = b.lock("/smoke/f", LockMode.EXCLUSIVE);
      assertFalse(lb.tryAcquire());
      CompletableFuture<Boolean> waiting = lb.acquireAsync(Duration.ofSeconds(30));
      la.release();
      assertTrue(waiting.get(20, TimeUnit.SECONDS));
      assertTrue(lb.sequencer().lockGeneration() > 0);
      lb.release();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (seen.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(WatchEvent.Type.CONTENTS_CHANGED, seen.get(0).type());
      assertTrue(a.admin().cellStatus().leaderId() > 0);
      Session s = a.session();
      assertEquals(SessionState.CONNECTED, s.state());
      assertTrue(
          a.admin().sessions().stream()
              .anyMatch(i -> i.sessionId() == s.id() && i.clientName().equals("a")));
    }
  }
}
