package io.lockd.transport;

import io.lockd.paxos.Ready;
import io.lockd.proto.peer.v1.PeerEnvelope;

/**
 * One snapshot on its way to a peer, chunk by chunk. The link asks it for the next chunk only when
 * the stream can take one and no other message waits: consensus traffic goes first, and the
 * snapshot goes at the pace the peer reads it. Each chunk wraps its part of the replica's stored
 * snapshot without copying, so a transfer of a hundred megabytes costs no more memory than the
 * chunks gRPC is writing at the moment. Before this, the replica's thread copied the whole snapshot
 * into messages in one turn, and the 64 MiB queue dropped the rest: a new replica asking again
 * every retransmit interval made three replicas of a million-node cell run out of memory.
 */
final class SnapshotPump {
  private final Ready.SnapshotTransfer transfer;
  private int next;

  SnapshotPump(Ready.SnapshotTransfer transfer) {
    this.transfer = transfer;
  }

  /** Whether this pump sends the same snapshot as {@code other} would. */
  boolean sameSnapshotAs(Ready.SnapshotTransfer other) {
    return transfer.index() == other.index() && transfer.to() == other.to();
  }

  /** The next chunk's envelope, or null once every chunk was handed out. */
  PeerEnvelope next() {
    if (next >= transfer.chunkCount()) {
      return null;
    }
    int i = next++;
    return PeerMessageCodec.snapshotChunk(
        transfer.from(),
        transfer.to(),
        transfer.index(),
        transfer.stored(),
        transfer.chunkOffset(i),
        transfer.chunkLength(i),
        i == transfer.chunkCount() - 1);
  }

  boolean done() {
    return next >= transfer.chunkCount();
  }
}
