package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.util.List;

/**
 * Where an acceptor keeps what it must never forget: its promised ballot, the values it accepted,
 * how far it knows the log is chosen, and the latest snapshot (below which the log is dropped).
 *
 * <p>Ordering contract: {@link #write} buffers changes in the order given; nothing is durable
 * until {@link #sync} returns, and then everything written before the call is. A crash keeps a
 * prefix of the writes: at least everything synced, never a torn write. One {@code sync} covers
 * any number of writes (group commit). A store is used by one thread at a time.
 */
public interface AcceptorStore extends AutoCloseable {

  /** Reads the state that survived the last run. Called once, before any write. */
  RecoveredState recover();

  /** Buffers these writes, in order. They are not durable yet. */
  void write(List<StoreWrite> writes);

  /** Makes every write so far durable (reaches fsync) before returning. */
  void sync();

  @Override
  void close();
}
