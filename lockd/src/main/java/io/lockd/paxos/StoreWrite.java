package io.lockd.paxos;

/**
 * What the core asks its driver to make durable, in order, before the messages that depend on it
 * are sent. The driver applies a run of these to an {@code AcceptorStore} and syncs once.
 */
public sealed interface StoreWrite {
  /** The acceptor's promise; never decreases. */
  record Promised(long ballot) implements StoreWrite {}

  /** A value accepted (or learned as chosen) for a slot. */
  record Accepted(Entry entry) implements StoreWrite {}

  /** Every slot up to {@code index} is chosen and its stored value is the chosen one. */
  record Chosen(long index) implements StoreWrite {}

  /**
   * A snapshot of the state machine covering slots up to {@code index}. Storing it drops every
   * accepted entry at or below {@code index}.
   */
  record Snapshot(long index, byte[] state) implements StoreWrite {
    public Snapshot {
      state = state.clone();
    }
  }
}
