package io.lockd.client;

import java.util.concurrent.CancellationException;

/**
 * A future handed to a caller whose giving up (cancelling it, or being interrupted in a blocking
 * call) must reach the client's loop: the request behind it is then withdrawn instead of being
 * sent later for nobody (docs/client.md, "Deadlines"). Loop thread sets and runs the hook.
 */
class GiveUpFuture<T> extends Dispatcher.Awaited<T> {
  private final Loop loop;
  private Runnable onGiveUp = () -> {};

  GiveUpFuture(Loop loop) {
    this.loop = loop;
  }

  /** What to do on the loop if the caller gives up; replaces the previous hook. Loop only. */
  void onGiveUp(Runnable hook) {
    onGiveUp = hook;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      loop.execute(() -> onGiveUp.run());
    }
    return cancelled;
  }

  @Override
  public boolean completeExceptionally(Throwable t) {
    boolean done = super.completeExceptionally(t);
    if (done && t instanceof CancellationException) {
      loop.execute(() -> onGiveUp.run());
    }
    return done;
  }
}
