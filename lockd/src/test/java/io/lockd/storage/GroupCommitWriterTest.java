package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Entry;
import io.lockd.paxos.Message;
import io.lockd.paxos.StoreWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The writer's grouping is made deterministic by a store that holds its first sync until the test
 * lets it go: whatever is submitted meanwhile must form one group. Waits are bounded only so that a
 * bug hangs no build; nothing is asserted about time.
 */
class GroupCommitWriterTest {
  private static final long WAIT_SECONDS = 30;

  /** An in-memory store whose first sync waits for {@link #release}. */
  private static final class HeldStore implements AcceptorStore {
    final InMemoryAcceptorStore inner = new InMemoryAcceptorStore();
    final CountDownLatch firstSyncEntered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public RecoveredState recover() {
      return inner.recover();
    }

    @Override
    public void write(List<StoreWrite> writes) {
      inner.write(writes);
    }

    @Override
    public void sync() {
      firstSyncEntered.countDown();
      await(release);
      inner.sync();
    }

    @Override
    public void close() {}
  }

  private final List<Long> durable = new CopyOnWriteArrayList<>();
  private final List<Message> released = new CopyOnWriteArrayList<>();
  private final GroupCommitWriter.Release release =
      (token, messages) -> {
        durable.add(token);
        released.addAll(messages);
      };

  private static Message ack(long slot) {
    return new Message.Accepted(1, 2, 1, List.of(slot));
  }

  /** Submits the writes for {@code slot} with the acknowledgement that waits for them. */
  private static boolean submit(GroupCommitWriter writer, long token) {
    return writer.submit(token, accept(token), List.of(ack(token)));
  }

  private static List<StoreWrite> accept(long slot) {
    Entry entry = TestData.entry(slot, 1, 8, 8);
    return List.of(new StoreWrite.Promised(slot), new StoreWrite.Accepted(entry));
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS), "waited too long");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void submitsQueuedDuringASyncShareTheNextSync() {
    HeldStore store = new HeldStore();
    GroupCommitWriter writer = new GroupCommitWriter(store, release, "test-writer");

    assertTrue(submit(writer, 1));
    await(store.firstSyncEntered);
    for (long token = 2; token <= 100; token++) {
      assertTrue(submit(writer, token));
    }
    store.release.countDown();
    writer.close();

    assertEquals(new GroupCommitWriter.Stats(2, 100, 100, 200), writer.stats());
    assertEquals(List.of(1L, 100L), durable);
    store.inner.crash();
    assertEquals(100, store.inner.recover().accepted().size());
  }

  @Test
  void aFullQueueRefusesASubmitAndKeepsEverythingItTook() {
    HeldStore store = new HeldStore();
    GroupCommitWriter writer = new GroupCommitWriter(store, release, "test-writer", 4, t -> {});

    assertTrue(submit(writer, 1));
    await(store.firstSyncEntered);
    for (long token = 2; token <= 5; token++) {
      assertTrue(submit(writer, token));
    }
    assertFalse(submit(writer, 6));
    store.release.countDown();
    writer.close();

    assertEquals(List.of(1L, 5L), durable);
    store.inner.crash();
    List<Entry> stored = store.inner.recover().accepted();
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), stored.stream().map(Entry::slot).toList());
  }

  @Test
  void closeWritesEverythingQueued() {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    GroupCommitWriter writer = new GroupCommitWriter(store, release, "test-writer");
    for (long token = 1; token <= 500; token++) {
      assertTrue(submit(writer, token));
    }
    writer.close();

    assertEquals(500L, durable.get(durable.size() - 1));
    assertEquals(500, writer.stats().batches());
    assertTrue(writer.stats().syncs() <= 500);
    store.crash();
    assertEquals(500, store.recover().accepted().size());
  }

  @Test
  void tokensMustIncrease() {
    try (GroupCommitWriter writer =
        new GroupCommitWriter(new InMemoryAcceptorStore(), release, "test-writer")) {
      submit(writer, 5);
      assertThrows(IllegalStateException.class, () -> submit(writer, 5));
      assertThrows(IllegalStateException.class, () -> submit(writer, 4));
    }
  }

  @Test
  void aStoreFailureIsReportedAndFatal() throws Exception {
    UncheckedIOException diskGone = new UncheckedIOException(new IOException("disk gone"));
    CompletableFuture<Throwable> reported = new CompletableFuture<>();
    AcceptorStore broken =
        new AcceptorStore() {
          @Override
          public RecoveredState recover() {
            return RecoveredState.EMPTY;
          }

          @Override
          public void write(List<StoreWrite> writes) {}

          @Override
          public void sync() {
            throw diskGone;
          }

          @Override
          public void close() {}
        };
    GroupCommitWriter writer =
        new GroupCommitWriter(broken, release, "test-writer", 16, reported::complete);

    submit(writer, 1);
    assertSame(diskGone, reported.get(WAIT_SECONDS, TimeUnit.SECONDS));

    IllegalStateException onSubmit =
        assertThrows(IllegalStateException.class, () -> submit(writer, 2));
    assertSame(diskGone, onSubmit.getCause());
    assertSame(diskGone, assertThrows(IllegalStateException.class, writer::close).getCause());
    assertEquals(List.of(), durable);
    assertEquals(0, writer.stats().syncs());
  }

  @Test
  void writesThatNoMessageWaitsForWaitForTheNextSyncThatMatters() {
    HeldStore store = new HeldStore();
    GroupCommitWriter writer =
        new GroupCommitWriter(store, release, "test-writer", 16, 3_600_000, t -> {});

    assertTrue(submit(writer, 1));
    await(store.firstSyncEntered);
    assertTrue(writer.submit(2, List.of(new StoreWrite.Chosen(1)), List.of()));
    store.release.countDown();
    // Only a message forces the lazy write out; it waited for token 2, which it then names.
    assertTrue(writer.submit(2, List.of(), List.of(ack(2))));
    writer.close();

    assertEquals(List.of(1L, 2L), durable);
    assertEquals(List.of(ack(1), ack(2)), released);
    assertEquals(2, writer.stats().syncs());
  }

  @Test
  void writesThatNoMessageWaitsForAreSyncedSoonAnyway() throws InterruptedException {
    InMemoryAcceptorStore store = new InMemoryAcceptorStore();
    try (GroupCommitWriter writer =
        new GroupCommitWriter(store, release, "test-writer", 16, 1, t -> {})) {
      assertTrue(writer.submit(1, List.of(new StoreWrite.Chosen(7)), List.of()));
      for (int i = 0; i < 3000 && durable.isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertEquals(List.of(1L), durable);
      assertEquals(1L, writer.durableToken());
    }
    store.crash();
    assertEquals(7, store.recover().chosenIndex());
  }

  @Test
  void messagesAloneNameATokenAlreadyWritten() {
    try (GroupCommitWriter writer =
        new GroupCommitWriter(new InMemoryAcceptorStore(), release, "test-writer")) {
      assertTrue(submit(writer, 3));
      assertTrue(writer.submit(3, List.of(), List.of(ack(3))));
      assertThrows(IllegalStateException.class, () -> writer.submit(4, List.of(), List.of(ack(4))));
    }
  }
}
