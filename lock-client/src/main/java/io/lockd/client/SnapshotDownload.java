package io.lockd.client;

import io.grpc.ManagedChannel;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.SaveSnapshotRequest;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.proto.v1.SnapshotHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Writes one SaveSnapshot stream to a backup file. The file is {@link #MAGIC} followed by the
 * stream's messages exactly as received, each length-delimited (header, data chunks, SHA-256), so
 * that {@code lockd restore} reads it with the same protobuf classes. It is written under a
 * temporary name, checked (size and digest), synced and renamed: a file at the final name is always
 * a whole, verified backup.
 */
final class SnapshotDownload {
  /** The first bytes of every backup file: its format, and a hint for someone who opens one. */
  static final byte[] MAGIC = "lockd-snapshot-v1\n".getBytes(StandardCharsets.US_ASCII);

  private SnapshotDownload() {}

  static SnapshotInfo save(Path file, ManagedChannel leader, long deadlineMillis) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      SnapshotInfo info = download(tmp, file, leader, deadlineMillis);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return info;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the backup " + file + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // Left behind; the next save replaces it.
      }
    }
  }

  private static SnapshotInfo download(Path tmp, Path file, ManagedChannel leader, long millis)
      throws IOException {
    Iterator<SaveSnapshotResponse> stream =
        ClusterGrpc.newBlockingStub(leader)
            .withDeadlineAfter(millis, TimeUnit.MILLISECONDS)
            .saveSnapshot(SaveSnapshotRequest.getDefaultInstance());
    MessageDigest digest = sha256();
    SnapshotHeader header = null;
    long received = 0;
    byte[] sha = null;
    try (FileChannel channel =
            FileChannel.open(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        OutputStream out = Channels.newOutputStream(channel)) {
      out.write(MAGIC);
      while (stream.hasNext()) {
        SaveSnapshotResponse part = stream.next();
        part.writeDelimitedTo(out);
        switch (part.getPartCase()) {
          case HEADER -> header = part.getHeader();
          case DATA -> {
            digest.update(part.getData().asReadOnlyByteBuffer());
            received += part.getData().size();
          }
          case SHA256 -> sha = part.getSha256().toByteArray();
          default -> throw new IOException("the leader sent a part this client does not know");
        }
      }
      out.flush();
      channel.force(true);
    }
    if (header == null || sha == null) {
      throw new IOException("the stream ended before the snapshot was complete");
    }
    boolean intact = Arrays.equals(sha, digest.digest());
    if (received != header.getSizeBytes() || !intact) {
      throw new IOException(
          "the snapshot arrived damaged: "
              + received
              + " bytes of "
              + header.getSizeBytes()
              + (intact ? "" : ", SHA-256 differs"));
    }
    return new SnapshotInfo(
        file,
        header.getCell(),
        header.getReplicaId(),
        header.getSlot(),
        header.getAppliedIndex(),
        header.getStateChecksum(),
        header.getSizeBytes(),
        Instant.ofEpochMilli(header.getTakenAtMillis()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
