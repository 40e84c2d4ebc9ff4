package io.lockd.replica;

import io.lockd.paxos.StoreWrite;
import java.util.List;

/**
 * Where the replica hands writes to be made durable. Calls never block on the disk: production
 * queues them for a writer thread that syncs many batches at once (group commit); the simulation
 * schedules the sync. Either way, the sink later reports the highest durable token through
 * {@link Replica#onDurable}. Tokens arrive in increasing order and become durable in that order.
 */
@FunctionalInterface
public interface WriteSink {
  void submit(long token, List<StoreWrite> writes);
}
