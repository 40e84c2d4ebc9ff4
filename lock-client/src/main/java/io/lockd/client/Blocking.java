package io.lockd.client;

import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How the blocking API waits for the asynchronous one. */
final class Blocking {
  /**
   * How much longer than its bound (the operation timeout, or an acquire's own timeout) a blocking
   * call may take: the time to hear of a grant the cell made at the last moment, and for the answer
   * to reach the waiting thread. Documented in docs/client.md ("Deadlines").
   */
  static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private Blocking() {}

  /** Waits for {@code f}; unwraps its failure. Refuses to run on the event thread. */
  static <T> T await(ClientContext ctx, CompletableFuture<T> f) {
    ctx.dispatcher.checkNotDispatchThread();
    Dispatcher.markAwaited(f);
    try {
      // Every future ends on its own within the operation timeout; this bound is a backstop.
      return f.get(ctx.operationTimeoutNanos + SLACK_NANOS, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw new LockdException(
          Status.Code.CANCELLED, LockdException.Reason.UNSPECIFIED, "interrupted", e);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false); // withdraws what was not sent
      throw Errors.timedOut("the operation", ctx.operationTimeoutMillis(), null);
    }
  }

  /** Waits for {@code f} however long it takes; on interrupt runs {@code onInterrupt}. */
  static <T> T awaitInterruptibly(ClientContext ctx, CompletableFuture<T> f, Runnable onInterrupt)
      throws InterruptedException {
    ctx.dispatcher.checkNotDispatchThread();
    Dispatcher.markAwaited(f);
    try {
      return f.get();
    } catch (InterruptedException e) {
      onInterrupt.run();
      throw e;
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    } catch (CancellationException e) {
      throw new LockdException(
          Status.Code.CANCELLED, LockdException.Reason.UNSPECIFIED, "cancelled", e);
    }
  }

  /** The failure inside completion wrappers, as an unchecked exception. */
  static RuntimeException unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new LockdException(
        Status.Code.UNKNOWN, LockdException.Reason.UNSPECIFIED, String.valueOf(t), t);
  }
}
