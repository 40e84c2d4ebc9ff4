package io.lockd.replica;

import io.lockd.paxos.Message;
import io.lockd.paxos.StoreWrite;
import java.util.List;

/**
 * Where the replica hands writes to be made durable, together with the messages that must wait for
 * them. Calls never block on the disk: production queues them for a writer thread that syncs many
 * at once (group commit) and sends the waiting messages itself as soon as they are durable; the
 * simulation schedules the sync. Either way, messages addressed to the replica itself come back to
 * it as inputs ({@link Replica#onMessage}).
 *
 * <p>Ordering contract: writes arrive with increasing tokens and become durable in that order; a
 * submission's messages are released only once every write with a token up to its token is durable.
 * A submission with messages and no writes names a token already submitted.
 */
public interface WriteSink {
  void submit(long token, List<StoreWrite> writes, List<Message> afterDurable);

  /** The highest token known durable (every lower one is too). */
  long durableToken();
}
