package io.lockd.paxos;

import java.io.InputStream;

/** A {@link SnapshotBytes} read front to back as a stream. */
final class SnapshotInput extends InputStream {
  private final SnapshotBytes bytes;
  private long at;

  SnapshotInput(SnapshotBytes bytes) {
    this.bytes = bytes;
  }

  @Override
  public int read() {
    if (at >= bytes.size()) {
      return -1;
    }
    byte[] one = new byte[1];
    bytes.read(at++, one, 0, 1);
    return one[0] & 0xFF;
  }

  @Override
  public int read(byte[] dst, int off, int len) {
    if (len == 0) {
      return 0;
    }
    long left = bytes.size() - at;
    if (left <= 0) {
      return -1;
    }
    int n = (int) Math.min(len, left);
    bytes.read(at, dst, off, n);
    at += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = Math.max(0, Math.min(n, bytes.size() - at));
    at += skipped;
    return skipped;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, bytes.size() - at);
  }
}
