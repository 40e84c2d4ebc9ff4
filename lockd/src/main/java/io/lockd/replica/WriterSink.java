package io.lockd.replica;

import io.lockd.paxos.Message;
import io.lockd.paxos.StoreWrite;
import io.lockd.storage.GroupCommitWriter;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Connects the replica to the group-commit writer thread. The writer's queue is bounded and refuses
 * rather than blocks; refused submissions wait here, in order, and are offered again when the
 * writer next reports a durable group ({@link #backlogged} tells it to). Submissions are used only
 * from the replica's loop thread.
 */
final class WriterSink implements WriteSink {
  private record Group(long token, List<StoreWrite> writes, List<Message> messages) {}

  private final GroupCommitWriter writer;
  private final ArrayDeque<Group> backlog = new ArrayDeque<>();
  private volatile boolean backlogged;

  WriterSink(GroupCommitWriter writer) {
    this.writer = writer;
  }

  @Override
  public void submit(long token, List<StoreWrite> writes, List<Message> afterDurable) {
    backlog.add(new Group(token, writes, afterDurable));
    drain();
  }

  @Override
  public long durableToken() {
    return writer.durableToken();
  }

  /** True while refused submissions wait: the next durable group should call {@link #drain}. */
  boolean backlogged() {
    return backlogged;
  }

  /** Offers waiting submissions again, in order. Loop thread only. */
  void drain() {
    while (!backlog.isEmpty()) {
      Group g = backlog.peek();
      if (!writer.submit(g.token, g.writes, g.messages)) {
        break;
      }
      backlog.poll();
    }
    backlogged = !backlog.isEmpty();
  }
}
