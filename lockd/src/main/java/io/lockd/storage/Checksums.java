package io.lockd.storage;

import java.util.zip.CRC32C;

/** CRC32C over stored records: MapDB keeps no checksums of its own. */
final class Checksums {
  private Checksums() {}

  static int crc32c(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
