package io.lockd.storage;

import java.nio.ByteBuffer;

/**
 * The one small record {@link MapDbAcceptorStore} rewrites on every commit: the acceptor's
 * scalars and a description of the stored snapshot. Keeping them in one record makes them change
 * together; the transaction makes the record change together with the entries and snapshot.
 *
 * <pre>
 *   u8  version (1) | i64 promised | i64 chosenIndex | i64 snapshotIndex
 *   i32 snapshotBytes | i32 snapshotCrc (CRC32C of the snapshot) | i32 CRC32C of the above
 * </pre>
 */
record StoredMeta(
    long promised, long chosenIndex, long snapshotIndex, int snapshotBytes, int snapshotCrc) {
  static final byte VERSION = 1;
  static final int SIZE = 1 + 3 * Long.BYTES + 3 * Integer.BYTES;
  static final StoredMeta EMPTY = new StoredMeta(0, 0, 0, 0, Checksums.crc32c(new byte[0], 0));

  byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(SIZE);
    out.put(VERSION).putLong(promised).putLong(chosenIndex).putLong(snapshotIndex);
    out.putInt(snapshotBytes).putInt(snapshotCrc);
    out.putInt(Checksums.crc32c(out.array(), SIZE - Integer.BYTES));
    return out.array();
  }

  static StoredMeta decode(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      int length = bytes == null ? -1 : bytes.length;
      throw new StorageCorruptionException("meta record has " + length + " bytes, not " + SIZE);
    }
    if (bytes[0] != VERSION) {
      throw new StorageCorruptionException("unknown meta format version " + bytes[0]);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, SIZE - 1);
    StoredMeta meta =
        new StoredMeta(in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getInt());
    if (in.getInt() != Checksums.crc32c(bytes, SIZE - Integer.BYTES)) {
      throw new StorageCorruptionException("meta record checksum mismatch");
    }
    boolean sane =
        meta.promised >= 0
            && meta.snapshotIndex >= 0
            && meta.chosenIndex >= meta.snapshotIndex
            && meta.snapshotBytes >= 0;
    if (!sane) {
      throw new StorageCorruptionException("meta record is inconsistent: " + meta);
    }
    return meta;
  }

  AcceptorMeta scalars() {
    return new AcceptorMeta(promised, chosenIndex, snapshotIndex);
  }
}
