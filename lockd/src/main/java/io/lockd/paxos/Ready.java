package io.lockd.paxos;

import java.util.ArrayList;
import java.util.List;

/**
 * What the core asks its driver to do after a round of inputs, in this order:
 *
 * <ol>
 *   <li>hand {@link #writes} to storage (they become durable asynchronously, as one group);
 *   <li>send {@link #sendNow} at once: these do not depend on the writes;
 *   <li>send {@link #sendAfterDurable} only once every write up to and including token {@link
 *       #durableToken} is durable: promises and acceptances that must not be forgotten;
 *   <li>send each of {@link #sendSnapshots} to its peer, chunk by chunk ({@link
 *       SnapshotTransfer#chunks}); a driver may stream them beside its thread, at the pace the peer
 *       takes them;
 *   <li>install {@link #snapshot} if present, then apply {@link #chosen} in order;
 *   <li>fail the callers of {@link #abandoned} commands: this replica will not propose them;
 *   <li>if {@link #snapshotWanted}, snapshot the state machine now and tell the core ({@code
 *       PaxosNode.snapshotTaken}): a peer asked for a fresh snapshot to rebuild itself from.
 * </ol>
 *
 * Messages addressed to this replica itself are part of the lists; the driver delivers them back to
 * the core (after durability where the list says so).
 */
public record Ready(
    List<StoreWrite> writes,
    long durableToken,
    List<Message> sendNow,
    List<Message> sendAfterDurable,
    InstalledSnapshot snapshot,
    List<Entry> chosen,
    List<Command> abandoned,
    boolean snapshotWanted,
    List<SnapshotTransfer> sendSnapshots) {

  /** A snapshot received from a peer that replaces the state machine up to {@code index}. */
  public record InstalledSnapshot(long index, SnapshotBytes state) {}

  /**
   * This replica's stored snapshot at {@code index}, to be sent to peer {@code to} as {@link
   * Message.SnapshotChunk}s of at most {@code chunkBytes}. It is a transfer and not a list of
   * chunks so that the driver need not copy a snapshot of a hundred megabytes at once: it reads
   * each chunk from {@code stored}, the replica's own bytes, when the peer can take it.
   */
  public record SnapshotTransfer(
      int from, int to, long index, SnapshotBytes stored, int chunkBytes) {
    public SnapshotTransfer {
      if (chunkBytes <= 0) {
        throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
      }
    }

    /** How many chunks the transfer takes (an empty snapshot still takes one, marked last). */
    public int chunkCount() {
      return (int) Math.max(1, (stored.size() + chunkBytes - 1) / chunkBytes);
    }

    /** Where chunk {@code i} starts in {@link #stored}. */
    public long chunkOffset(int i) {
      return (long) i * chunkBytes;
    }

    /** How many bytes chunk {@code i} holds. */
    public int chunkLength(int i) {
      return (int) Math.min(chunkBytes, stored.size() - chunkOffset(i));
    }

    /** Chunk {@code i}'s bytes (a copy of its part of the snapshot). */
    public byte[] chunkData(int i) {
      byte[] data = new byte[chunkLength(i)];
      stored.read(chunkOffset(i), data, 0, data.length);
      return data;
    }

    /** Chunk {@code i} as a message. */
    public Message.SnapshotChunk chunk(int i) {
      return new Message.SnapshotChunk(
          from, to, index, chunkOffset(i), chunkData(i), i == chunkCount() - 1);
    }

    /** Every chunk as a message, in order: for drivers whose snapshots are small. */
    public List<Message> chunks() {
      List<Message> all = new ArrayList<>(chunkCount());
      for (int i = 0; i < chunkCount(); i++) {
        all.add(chunk(i));
      }
      return all;
    }
  }

  public Ready {
    writes = List.copyOf(writes);
    sendNow = List.copyOf(sendNow);
    sendAfterDurable = List.copyOf(sendAfterDurable);
    chosen = List.copyOf(chosen);
    abandoned = List.copyOf(abandoned);
    sendSnapshots = List.copyOf(sendSnapshots);
  }

  public boolean isEmpty() {
    return writes.isEmpty()
        && sendNow.isEmpty()
        && sendAfterDurable.isEmpty()
        && snapshot == null
        && chosen.isEmpty()
        && abandoned.isEmpty()
        && !snapshotWanted
        && sendSnapshots.isEmpty();
  }
}
