package io.lockd.replica;

import io.lockd.paxos.StoreWrite;
import io.lockd.storage.GroupCommitWriter;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Connects the replica to the group-commit writer thread. The writer's queue is bounded and
 * refuses rather than blocks; refused groups wait here, in order, and are offered again after the
 * next durable notification. Used only from the replica's loop thread.
 */
final class WriterSink implements WriteSink {
  private record Group(long token, List<StoreWrite> writes) {}

  private final GroupCommitWriter writer;
  private final ArrayDeque<Group> backlog = new ArrayDeque<>();

  WriterSink(GroupCommitWriter writer) {
    this.writer = writer;
  }

  @Override
  public void submit(long token, List<StoreWrite> writes) {
    backlog.add(new Group(token, writes));
    drain();
  }

  /** Offers waiting groups again; call after each durable notification. */
  void drain() {
    while (!backlog.isEmpty() && writer.submit(backlog.peek().token, backlog.peek().writes)) {
      backlog.poll();
    }
  }
}
