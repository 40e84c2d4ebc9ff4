package io.lockd.client;

import java.util.PriorityQueue;

/**
 * The one delivery order of a session (docs/client.md): an answer that reflects the state at index
 * N reaches the application only after every event with index &lt;= N has been handed to the
 * dispatcher, so a result never contradicts events already delivered and never precedes an event it
 * already reflects.
 *
 * <p>The KeepAlive stream tells how far the client has every event: a response carrying index W
 * brings all of the session's events up to W. An answer at N &gt; W is held back and the stream is
 * asked for a response at once ({@code poke}); it is released, in index order, as soon as a
 * response reaches N.
 *
 * <p>Only watch events can contradict an answer; lock outcomes are matched by request sequence and
 * generation. So the rule applies while the session has (or recently had) a watch, and costs
 * nothing otherwise. Loop thread only.
 */
final class DeliveryOrder {
  private record Held(long index, long order, Runnable deliver) {}

  private final PriorityQueue<Held> held =
      new PriorityQueue<>(
          (a, b) ->
              a.index != b.index ? Long.compare(a.index, b.index) : Long.compare(a.order, b.order));
  private final Runnable poke;
  private long watermark;
  private long quietFromIndex;
  private int watches;
  private long heldCount;
  private boolean open = true;

  DeliveryOrder(Runnable poke) {
    this.poke = poke;
  }

  /** Runs {@code deliver} now, or once every event up to {@code index} has been dispatched. */
  void afterIndex(long index, Runnable deliver) {
    if (!open || index <= watermark || !ordered()) {
      deliver.run();
      return;
    }
    held.add(new Held(index, heldCount++, deliver));
    poke.run();
  }

  /** Every event up to {@code index} has been received and dispatched. */
  void reached(long index) {
    watermark = Math.max(watermark, index);
    while (!held.isEmpty() && held.peek().index <= watermark) {
      held.poll().deliver.run();
    }
    if (!held.isEmpty()) {
      poke.run();
    }
  }

  long watermark() {
    return watermark;
  }

  /** A watch was added (or is being added): answers must wait for events from now on. */
  void watchAdded() {
    watches++;
  }

  /** A watch was removed by an answer at {@code index}: its events up to there may be in flight. */
  void watchRemoved(long index) {
    watches = Math.max(0, watches - 1);
    quietFromIndex = Math.max(quietFromIndex, index);
  }

  /** The session ended: no more events will come, so nothing is worth waiting for. */
  void close() {
    open = false;
    while (!held.isEmpty()) {
      held.poll().deliver.run();
    }
  }

  private boolean ordered() {
    return watches > 0 || watermark < quietFromIndex;
  }

  int heldCount() {
    return held.size();
  }
}
