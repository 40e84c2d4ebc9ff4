package io.lockd.storage;

import io.lockd.paxos.StoreWrite;
import java.util.List;

/**
 * Where an acceptor keeps what it must never forget: its promised ballot, the values it accepted,
 * how far it knows the log is chosen, and the latest snapshot (below which the log is dropped).
 *
 * <p>Ordering contract: {@link #write} buffers changes in the order given; nothing is durable until
 * {@link #sync} returns, and then every promise, accepted entry and chosen index written before the
 * call is. A crash keeps a prefix of the writes: at least everything synced, never a torn write.
 * One {@code sync} covers any number of writes (group commit). A store is used by one thread at a
 * time.
 *
 * <p>Snapshots are the exception: a {@link StoreWrite.Snapshot} takes effect in the store at once
 * (later writes see its index), but it becomes durable only some time after the sync that covers it
 * (in the log store, when the checkpoint holding it is on disk). A crash before then recovers the
 * previous snapshot and every synced entry above it: entries at or below the new snapshot's index
 * are not deleted from disk before the snapshot that replaces them is durable. That loses nothing
 * an acceptor promised: a snapshot only summarizes slots already chosen, its entries are still
 * there, and a replica that comes back behind catches up from its peers as after any restart.
 * Recovery never returns a snapshot together with entries at or below its index.
 *
 * <p>A {@link StoreWrite.Rebuilt} is not such an exception: it is durable with its sync, like a
 * promise. A crash recovers either the state before it or exactly the state after it, never the new
 * snapshot with dropped slots still chosen above it.
 */
public interface AcceptorStore extends AutoCloseable {

  /** Reads the state that survived the last run. Called once, before any write. */
  RecoveredState recover();

  /** Buffers these writes, in order. They are not durable yet. */
  void write(List<StoreWrite> writes);

  /**
   * Makes every write so far durable (reaches fdatasync) before returning, snapshots excepted (see
   * the class comment).
   */
  void sync();

  @Override
  void close();
}
