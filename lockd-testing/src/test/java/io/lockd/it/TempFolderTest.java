package io.lockd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.SessionGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica leaves no file outside its data directory: its JVM's temporary folder is empty after it
 * stops, whether killed (SIGKILL) or stopped (SIGTERM), also after it wrote and read MapDB
 * checkpoints. MapDB's lz4 dependency used to unpack its native library there at every start and
 * never remove it (one {@code liblz4-java*.so} per start).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TempFolderTest {
  @TempDir Path dir;

  @Test
  void aReplicaLeavesNothingInTheTemporaryFolder() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    // A snapshot every few slots, so that a checkpoint (MapDB) is written soon after the start.
    List<String> jvm =
        List.of(
            "-Djava.io.tmpdir=" + tmp,
            "-Xms32m",
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");
    try (LockdProcesses cell =
            new LockdProcesses(
                1,
                dir.resolve("cell"),
                LockdProcesses.fromTestClasspath(jvm),
                List.of("--snapshot-every", "4"));
        CellClient client = new CellClient(cell.clientAddresses())) {
      cell.startAll();
      awaitCheckpoint(client, dir.resolve("cell").resolve("r1").resolve("data"));
      cell.kill(1);
      assertEquals(List.of(), list(tmp), "left behind after SIGKILL: " + cell.logTail(1, 2_000));

      cell.start(1); // reads the checkpoint back
      client.awaitLeaderId(60_000);
      cell.close();
      assertTrue(!cell.alive(1), "the replica stopped");
      assertEquals(List.of(), list(tmp), "left behind after SIGTERM: " + cell.logTail(1, 2_000));
    }
  }

  /** Writes through the log until the replica has written a checkpoint (bounded). */
  private static void awaitCheckpoint(CellClient client, Path data) throws Exception {
    client.awaitLeaderId(60_000);
    for (int i = 0; i < 200 && checkpoints(data) == 0; i++) {
      client.call(
          channel ->
              SessionGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .createSession(
                      CreateSessionRequest.newBuilder().setClientName("tmp-test").build()),
          10_000);
      Thread.sleep(50);
    }
    assertTrue(checkpoints(data) > 0, "no checkpoint was written in " + data);
  }

  private static long checkpoints(Path data) throws IOException {
    try (Stream<Path> files = Files.list(data)) {
      return files
          .filter(
              f ->
                  f.getFileName().toString().startsWith("checkpoint-")
                      && f.getFileName().toString().endsWith(".db"))
          .count();
    }
  }

  private static List<String> list(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
