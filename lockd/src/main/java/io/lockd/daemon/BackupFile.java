package io.lockd.daemon;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import io.lockd.proto.v1.SaveSnapshotResponse;
import io.lockd.proto.v1.SnapshotHeader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A backup written by {@code lockctl snapshot save}, read and verified: the format line, then the
 * leader's SaveSnapshot stream as it arrived, each message length-delimited (the header, the
 * snapshot's bytes in chunks, their SHA-256). Anything else, a short file or a digest that does not
 * match is refused with a message that says which.
 *
 * @param header what the backup is of
 * @param snapshot the namespace's encoded state, as the sink given to {@link #read} keeps it
 */
record BackupFile(SnapshotHeader header, SnapshotBytes snapshot) {
  static final byte[] MAGIC = "lockd-snapshot-v1\n".getBytes(StandardCharsets.US_ASCII);

  /** The wire's chunk offsets and a replica's snapshot transfer are bounded by 2^31. */
  private static final long SIZE_MAX = Integer.MAX_VALUE - 64;

  /** Reads {@code file}, keeping the snapshot's chunks in memory. */
  static BackupFile read(Path file) throws IOException {
    return read(file, SnapshotSink.inMemory());
  }

  /**
   * Reads {@code file}, handing the snapshot's chunks to {@code sink} as they are read (a restore
   * writes them straight into the new replica's store: a backup of a gigabyte is never held in
   * memory). The sink is abandoned if the file is refused.
   */
  static BackupFile read(Path file, SnapshotSink sink) throws IOException {
    try {
      return parse(file, sink);
    } catch (InvalidProtocolBufferException e) {
      sink.abandon();
      throw new IOException(
          file + ": the backup is truncated or damaged (" + e.getMessage() + ")", e);
    } catch (IOException | RuntimeException e) {
      sink.abandon();
      throw e;
    }
  }

  private static BackupFile parse(Path file, SnapshotSink sink) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(
            file + " is not a lockd backup (it does not start with lockd-snapshot-v1)");
      }
      SaveSnapshotResponse first = SaveSnapshotResponse.parseDelimitedFrom(in);
      if (first == null || !first.hasHeader()) {
        throw new IOException(file + ": the backup has no header");
      }
      SnapshotHeader header = first.getHeader();
      if (header.getSizeBytes() > SIZE_MAX) {
        throw new IOException(
            file + ": a snapshot of " + header.getSizeBytes() + " bytes is too large");
      }
      long size = header.getSizeBytes();
      MessageDigest digest = sha256();
      long filled = 0;
      while (true) {
        SaveSnapshotResponse part = SaveSnapshotResponse.parseDelimitedFrom(in);
        if (part == null) {
          throw new IOException(file + ": the backup ends early (it has no digest): truncated?");
        }
        if (part.hasSha256()) {
          if (filled != size) {
            throw new IOException(file + ": " + filled + " bytes of a " + size + "-byte snapshot");
          }
          if (!Arrays.equals(part.getSha256().toByteArray(), digest.digest())) {
            throw new IOException(file + ": the snapshot's SHA-256 does not match: damaged");
          }
          if (in.read() != -1) {
            throw new IOException(file + ": bytes follow the digest: not a backup as saved");
          }
          return new BackupFile(header, sink.finish());
        }
        if (!part.hasData() || filled + part.getData().size() > size) {
          throw new IOException(file + ": the backup holds more data than its header says");
        }
        byte[] chunk = part.getData().toByteArray();
        digest.update(chunk);
        sink.write(chunk, chunk.length);
        filled += chunk.length;
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
