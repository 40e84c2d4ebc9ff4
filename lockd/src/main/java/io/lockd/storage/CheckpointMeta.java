package io.lockd.storage;

import java.nio.ByteBuffer;

/**
 * The one small record at the head of a checkpoint: which group it covers, the acceptor's scalars,
 * and a description of the snapshot and entries stored with it, so that a reader can tell a
 * complete checkpoint from a damaged one.
 *
 * <pre>
 *   version 3 (written):
 *   u8  version | i64 seq | i64 promised | i64 chosenIndex | i64 snapshotIndex
 *   i64 snapshotFile (the number in its snapshot file's name; -1: no snapshot bytes)
 *   i64 snapshotBytes | i32 snapshotCrc (CRC32C of the snapshot) | i64 entryCount
 *   i32 CRC32C of the above
 *
 *   version 2 (read, never written): the snapshot is inside the checkpoint, in chunks
 *   u8  version | i64 seq | i64 promised | i64 chosenIndex | i64 snapshotIndex
 *   i32 snapshotBytes | i32 snapshotCrc | i64 entryCount | i32 CRC32C of the above
 * </pre>
 *
 * @param snapshotFile the number naming the snapshot's file ({@link DataDirectory#snapshot}),
 *     {@link #NO_FILE} if the snapshot is empty, or {@link #EMBEDDED} in a version-2 checkpoint
 */
record CheckpointMeta(
    long seq,
    long promised,
    long chosenIndex,
    long snapshotIndex,
    long snapshotFile,
    long snapshotBytes,
    int snapshotCrc,
    long entryCount) {
  static final byte VERSION = 3;
  static final byte VERSION_2 = 2;
  static final long NO_FILE = -1;
  static final long EMBEDDED = -2;
  static final int SIZE = 1 + 7 * Long.BYTES + 2 * Integer.BYTES;
  private static final int SIZE_2 = 1 + 5 * Long.BYTES + 3 * Integer.BYTES;

  /** The meta record of {@code image}, whose snapshot is in {@code file} (null: empty). */
  static CheckpointMeta of(CheckpointImage image, FileSnapshot file) {
    return new CheckpointMeta(
        image.seq(),
        image.promised(),
        image.chosenIndex(),
        image.snapshotIndex(),
        file == null ? NO_FILE : file.number(),
        file == null ? 0 : file.size(),
        file == null ? 0 : file.crc(),
        image.entries().size());
  }

  byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(SIZE);
    out.put(VERSION).putLong(seq).putLong(promised).putLong(chosenIndex).putLong(snapshotIndex);
    out.putLong(snapshotFile).putLong(snapshotBytes).putInt(snapshotCrc).putLong(entryCount);
    out.putInt(Checksums.crc32c(out.array(), SIZE - Integer.BYTES));
    return out.array();
  }

  static CheckpointMeta decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new StorageCorruptionException("meta record is missing or empty");
    }
    byte version = bytes[0];
    int size = version == VERSION_2 ? SIZE_2 : SIZE;
    if (version != VERSION && version != VERSION_2) {
      throw new StorageCorruptionException("unknown meta format version " + version);
    }
    if (bytes.length != size) {
      throw new StorageCorruptionException(
          "meta record of version " + version + " has " + bytes.length + " bytes, not " + size);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, size - 1);
    long seq = in.getLong();
    long promised = in.getLong();
    long chosenIndex = in.getLong();
    long snapshotIndex = in.getLong();
    long snapshotFile = version == VERSION_2 ? EMBEDDED : in.getLong();
    long snapshotBytes = version == VERSION_2 ? in.getInt() : in.getLong();
    CheckpointMeta meta =
        new CheckpointMeta(
            seq,
            promised,
            chosenIndex,
            snapshotIndex,
            snapshotFile,
            snapshotBytes,
            in.getInt(),
            in.getLong());
    if (in.getInt() != Checksums.crc32c(bytes, size - Integer.BYTES)) {
      throw new StorageCorruptionException("meta record checksum mismatch");
    }
    boolean sane =
        meta.seq >= 0
            && meta.promised >= 0
            && meta.snapshotIndex >= 0
            && meta.chosenIndex >= meta.snapshotIndex
            && meta.snapshotBytes >= 0
            && (meta.snapshotFile >= 0 || meta.snapshotFile == EMBEDDED || meta.snapshotBytes == 0)
            && meta.snapshotFile >= EMBEDDED
            && meta.entryCount >= 0;
    if (!sane) {
      throw new StorageCorruptionException("meta record is inconsistent: " + meta);
    }
    return meta;
  }
}
