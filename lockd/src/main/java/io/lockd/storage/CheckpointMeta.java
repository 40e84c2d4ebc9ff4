package io.lockd.storage;

import java.nio.ByteBuffer;

/**
 * The one small record at the head of a checkpoint: which group it covers, the acceptor's scalars,
 * and a description of the snapshot and entries stored beside it, so that a reader can tell a
 * complete checkpoint from a damaged one.
 *
 * <pre>
 *   u8  version (2) | i64 seq | i64 promised | i64 chosenIndex | i64 snapshotIndex
 *   i32 snapshotBytes | i32 snapshotCrc (CRC32C of the snapshot) | i64 entryCount
 *   i32 CRC32C of the above
 * </pre>
 */
record CheckpointMeta(
    long seq,
    long promised,
    long chosenIndex,
    long snapshotIndex,
    int snapshotBytes,
    int snapshotCrc,
    long entryCount) {
  static final byte VERSION = 2;
  static final int SIZE = 1 + 5 * Long.BYTES + 3 * Integer.BYTES;

  static CheckpointMeta of(CheckpointImage image) {
    byte[] snapshot = image.snapshot();
    return new CheckpointMeta(
        image.seq(),
        image.promised(),
        image.chosenIndex(),
        image.snapshotIndex(),
        snapshot.length,
        Checksums.crc32c(snapshot, snapshot.length),
        image.entries().size());
  }

  byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(SIZE);
    out.put(VERSION).putLong(seq).putLong(promised).putLong(chosenIndex).putLong(snapshotIndex);
    out.putInt(snapshotBytes).putInt(snapshotCrc).putLong(entryCount);
    out.putInt(Checksums.crc32c(out.array(), SIZE - Integer.BYTES));
    return out.array();
  }

  static CheckpointMeta decode(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      int length = bytes == null ? -1 : bytes.length;
      throw new StorageCorruptionException("meta record has " + length + " bytes, not " + SIZE);
    }
    if (bytes[0] != VERSION) {
      throw new StorageCorruptionException("unknown meta format version " + bytes[0]);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, SIZE - 1);
    CheckpointMeta meta =
        new CheckpointMeta(
            in.getLong(),
            in.getLong(),
            in.getLong(),
            in.getLong(),
            in.getInt(),
            in.getInt(),
            in.getLong());
    if (in.getInt() != Checksums.crc32c(bytes, SIZE - Integer.BYTES)) {
      throw new StorageCorruptionException("meta record checksum mismatch");
    }
    boolean sane =
        meta.seq >= 0
            && meta.promised >= 0
            && meta.snapshotIndex >= 0
            && meta.chosenIndex >= meta.snapshotIndex
            && meta.snapshotBytes >= 0
            && meta.entryCount >= 0;
    if (!sane) {
      throw new StorageCorruptionException("meta record is inconsistent: " + meta);
    }
    return meta;
  }
}
