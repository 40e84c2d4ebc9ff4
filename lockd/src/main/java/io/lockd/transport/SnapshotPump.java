package io.lockd.transport;

import io.lockd.paxos.Ready;
import io.lockd.proto.peer.v1.PeerEnvelope;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot on its way to a peer, chunk by chunk. The link asks it for the next chunk only when
 * the stream can take one and no other message waits: consensus traffic goes first, and the
 * snapshot goes at the pace the peer reads it. Each chunk is read from the replica's stored
 * snapshot (in memory or in the store's file) only when it is sent, so a transfer of a gigabyte
 * costs no more memory than the chunks gRPC is writing at the moment. Before this, the replica's
 * thread copied the whole snapshot into messages in one turn, and the 64 MiB queue dropped the
 * rest: a new replica asking again every retransmit interval made three replicas of a million-node
 * cell run out of memory.
 */
final class SnapshotPump {
  private static final Logger log = LoggerFactory.getLogger(SnapshotPump.class);

  private final Ready.SnapshotTransfer transfer;
  private int next;

  SnapshotPump(Ready.SnapshotTransfer transfer) {
    this.transfer = transfer;
  }

  /** Whether this pump sends the same snapshot as {@code other} would. */
  boolean sameSnapshotAs(Ready.SnapshotTransfer other) {
    return transfer.index() == other.index() && transfer.to() == other.to();
  }

  /**
   * The next chunk's envelope, or null once every chunk was handed out. A stored snapshot that can
   * no longer be read (its file failed) ends the transfer early: the peer, missing the rest, asks
   * again and gets the replica's snapshot then.
   */
  PeerEnvelope next() {
    if (next >= transfer.chunkCount()) {
      return null;
    }
    int i = next++;
    try {
      return PeerMessageCodec.snapshotChunk(transfer, i);
    } catch (UncheckedIOException e) {
      log.warn(
          "snapshot at index {} for replica {} cannot be read; transfer abandoned",
          transfer.index(),
          transfer.to(),
          e);
      next = transfer.chunkCount();
      return null;
    }
  }

  boolean done() {
    return next >= transfer.chunkCount();
  }
}
