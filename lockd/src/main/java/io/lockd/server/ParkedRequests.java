package io.lockd.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests that reached this replica while no leader was known: an election is running (the leader
 * this replica followed went silent), or this replica is the one about to lead. Answering them "no
 * leader" at once would send every client into its retry backoff just as the new leader comes up,
 * which costs far more than the election itself; so they wait here, bounded in number and time, and
 * are run again as soon as a leader is known: on the leader they then proceed, on a follower they
 * are redirected to it. Loop thread only.
 */
final class ParkedRequests {
  private record Parked(Runnable retry, Reply<?> reply, long deadline) {}

  private final ArrayDeque<Parked> queue = new ArrayDeque<>();
  private final int max;
  private final long waitMillis;

  ParkedRequests(int max, long waitMillis) {
    this.max = max;
    this.waitMillis = waitMillis;
  }

  /**
   * Parks a request; false if the queue is full (answer it now instead). {@code retry} runs the
   * whole request again.
   */
  boolean park(Runnable retry, Reply<?> reply, long now) {
    if (queue.size() >= max) {
      return false;
    }
    queue.add(new Parked(retry, reply, now + waitMillis));
    return true;
  }

  int size() {
    return queue.size();
  }

  /**
   * Runs every parked request again if a leader is known now ({@code decided}); otherwise answers
   * those that waited their longest with {@code refuse}.
   */
  void retry(boolean decided, long now, java.util.function.Consumer<Reply<?>> refuse) {
    if (queue.isEmpty()) {
      return;
    }
    if (decided) {
      List<Parked> all = new ArrayList<>(queue);
      queue.clear();
      for (Parked p : all) {
        p.retry.run();
      }
      return;
    }
    // Every request waits equally long, so arrival order is deadline order.
    while (!queue.isEmpty() && queue.peek().deadline <= now) {
      refuse.accept(queue.poll().reply);
    }
  }
}
