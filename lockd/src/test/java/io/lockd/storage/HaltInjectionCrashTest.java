package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes at exact file operations without strace, so that CI covers them too: the child's store
 * halts the process ({@code Runtime.halt}, as abrupt as kill -9 for the process's files) right
 * before or right after its K-th write, flush, rename or delete, whichever thread makes it: group
 * appends and fdatasyncs, spare segment zero-fills, rolls, checkpoint syncs and renames, deletions
 * of covered files, and the cut of a torn tail during recovery. After each halt the test opens the
 * store and checks every acknowledged decision. One directory goes through every halt of an
 * operation kind, so recovery from one halt is halted again by the next.
 *
 * <p>{@code -Dcrash.haltPoints=N} tries N values of K per operation and side (default 5), spread
 * from 1 to about as many operations of that kind as a child run makes (many writes and flushes,
 * few renames and deletes).
 */
class HaltInjectionCrashTest {
  private static final int BATCHES = 150;

  @TempDir Path dir;

  @Test
  void everyAcknowledgedDecisionSurvivesAHaltAtAnyFileOperation() throws Exception {
    int points = Integer.getInteger("crash.haltPoints", 5);
    List<String> report = new ArrayList<>();
    for (StorageIo.Op op : StorageIo.Op.values()) {
      int max = op == StorageIo.Op.WRITE || op == StorageIo.Op.FORCE ? 300 : 30;
      for (String side : List.of("before", "after")) {
        report.add(haltSeries(op, side, points, max));
      }
    }
    System.out.println("HaltInjectionCrashTest: " + String.join("; ", report));
  }

  private String haltSeries(StorageIo.Op op, String side, int points, int max) throws Exception {
    Path store = dir.resolve(op + "-" + side);
    AckedDecisions acked = new AckedDecisions();
    int halted = 0;
    for (int i = 0; i < points; i++) {
      long k = points == 1 ? 1 : 1 + (long) i * (max - 1) / (points - 1);
      String halt = op + ":" + k + ":" + side;
      List<String> options = new ArrayList<>(LogStoreCrashTest.CHILD_OPTIONS);
      options.add("batches=" + BATCHES);
      options.add("halt=" + halt);
      CrashChild child =
          CrashChild.start(
              List.of(), store, 1000 + i, options, dir.resolve(op + side + k + ".err"));
      try {
        child.readDecisions(acked, Integer.MAX_VALUE);
        int status = child.awaitExit();
        boolean haltedHere = status == CrashingAcceptorMain.HALT_STATUS;
        assertTrue(
            haltedHere || (status == 0 && child.finished()),
            () -> halt + ": child exited with " + status + "; " + child.trouble());
        halted += haltedHere ? 1 : 0;
        try (LogAcceptorStore reopened = LogAcceptorStore.open(store, LogAcceptorStoreTest.SMALL)) {
          acked.check(reopened.recover());
        }
      } catch (Throwable t) {
        throw new AssertionError("halt " + halt + " in " + store + " broke recovery", t);
      }
    }
    assertEquals(true, halted > 0, op + " " + side + ": no halt point was ever reached");
    return op + "/" + side + " " + halted + " of " + points + " halted";
  }
}
