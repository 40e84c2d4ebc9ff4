package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Several clients' callbacks on a few shared threads: each client's in order, never two at once.
 */
class SerialExecutorTest {
  @Test
  void eachQueueRunsInOrderAndNeverTwoAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      int queues = 4;
      int tasks = 20_000;
      List<SerialExecutor> serial = new ArrayList<>();
      List<List<Integer>> ran = new ArrayList<>();
      List<AtomicBoolean> busy = new ArrayList<>();
      AtomicInteger overlaps = new AtomicInteger();
      for (int q = 0; q < queues; q++) {
        serial.add(new SerialExecutor(pool));
        ran.add(
            new ArrayList<>()); // only ever touched by one task at a time, if the executor is right
        busy.add(new AtomicBoolean());
      }
      for (int i = 0; i < tasks; i++) {
        int q = i % queues;
        int n = i / queues;
        serial
            .get(q)
            .execute(
                () -> {
                  if (!busy.get(q).compareAndSet(false, true)) {
                    overlaps.incrementAndGet();
                  }
                  ran.get(q).add(n);
                  busy.get(q).set(false);
                });
      }
      for (SerialExecutor s : serial) {
        s.shutdown();
        assertTrue(
            s.awaitTermination(20, TimeUnit.SECONDS), "queued callbacks ran before termination");
        assertThrows(RejectedExecutionException.class, () -> s.execute(() -> {}));
      }
      assertEquals(0, overlaps.get());
      for (List<Integer> r : ran) {
        assertEquals(tasks / queues, r.size());
        for (int i = 0; i < r.size(); i++) {
          assertEquals(i, r.get(i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
