package io.lockd.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.lockd.namespace.NamespaceImage;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.proto.v1.SnapshotHeader;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Streams one backup to its caller: the header, the snapshot's bytes in chunks, then their SHA-256.
 * It writes only while the call is ready (gRPC flow control), so that a slow reader holds back the
 * stream instead of making the server buffer a copy of the snapshot.
 */
final class SnapshotSender {
  /** Well below gRPC's default 4 MiB message limit of a client. */
  static final int CHUNK_BYTES = 1 << 20;

  private final ServerCallStreamObserver<SaveSnapshotResponse> call;
  private final String cell;
  private final int selfId;
  private final MessageDigest digest;

  // Guarded by this: set once the image arrives (on the replica's thread), advanced by whichever
  // thread finds the call ready.
  private NamespaceImage image;
  private long offset = -1;
  private boolean done;

  SnapshotSender(ServerCallStreamObserver<SaveSnapshotResponse> call, String cell, int selfId) {
    this.call = call;
    this.cell = cell;
    this.selfId = selfId;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    // Set during the call's start, as gRPC requires; runs each time the call can take more.
    call.setOnReadyHandler(this::pump);
    call.setOnCancelHandler(this::cancelled);
  }

  /** Starts streaming {@code taken}. */
  synchronized void send(NamespaceImage taken) {
    image = taken;
    pump();
  }

  private synchronized void cancelled() {
    done = true;
    image = null;
  }

  private synchronized void pump() {
    if (image == null || done) {
      return;
    }
    SnapshotBytes bytes = image.snapshot();
    while (call.isReady() && !done) {
      if (offset < 0) {
        call.onNext(SaveSnapshotResponse.newBuilder().setHeader(header(image)).build());
        offset = 0;
      } else if (offset < bytes.size()) {
        byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, bytes.size() - offset)];
        bytes.read(offset, chunk, 0, chunk.length);
        digest.update(chunk);
        call.onNext(
            SaveSnapshotResponse.newBuilder()
                .setData(UnsafeByteOperations.unsafeWrap(chunk))
                .build());
        int n = chunk.length;
        offset += n;
      } else {
        call.onNext(
            SaveSnapshotResponse.newBuilder()
                .setSha256(ByteString.copyFrom(digest.digest()))
                .build());
        call.onCompleted();
        done = true;
        image = null;
      }
    }
  }

  private SnapshotHeader header(NamespaceImage i) {
    return SnapshotHeader.newBuilder()
        .setCell(cell)
        .setReplicaId(selfId)
        .setSlot(i.slot())
        .setAppliedIndex(i.appliedIndex())
        .setStateChecksum(i.checksum())
        .setSizeBytes(i.snapshot().size())
        .setTakenAtMillis(i.clockMillis())
        .build();
  }
}
