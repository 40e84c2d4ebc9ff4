package io.lockd.client;

import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A future handed to a caller whose giving up (cancelling it, or being interrupted in a blocking
 * call) must reach the client's loop: the request behind it is then withdrawn instead of being sent
 * later for nobody (docs/client.md, "Deadlines"). The hook runs on the loop.
 */
class GiveUpFuture<T> extends Dispatcher.Awaited<T> {
  private final Loop loop;
  private volatile Consumer<GiveUpFuture<T>> onGiveUp;

  /** A future whose hook is set later, on the loop ({@link #onGiveUp}). */
  GiveUpFuture(Loop loop) {
    this(loop, f -> {});
  }

  /** A future whose giving up runs {@code onGiveUp} (with this future) on the loop. */
  GiveUpFuture(Loop loop, Consumer<GiveUpFuture<T>> onGiveUp) {
    this.loop = loop;
    this.onGiveUp = onGiveUp;
  }

  /** What to do on the loop if the caller gives up; replaces the previous hook. */
  void onGiveUp(Runnable hook) {
    onGiveUp = f -> hook.run();
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      gaveUp();
    }
    return cancelled;
  }

  @Override
  public boolean completeExceptionally(Throwable t) {
    boolean done = super.completeExceptionally(t);
    if (done && t instanceof CancellationException) {
      gaveUp();
    }
    return done;
  }

  private void gaveUp() {
    loop.execute(() -> onGiveUp.accept(this));
  }
}
