package io.lockd.paxos;

import java.util.Objects;

/** The bytes of another {@link SnapshotBytes} from an offset on: a view, nothing copied. */
record SnapshotSlice(SnapshotBytes base, long start) implements SnapshotBytes {
  SnapshotSlice {
    if (start < 0 || start > base.size()) {
      throw new IndexOutOfBoundsException(
          "a slice from " + start + " of " + base.size() + " bytes");
    }
  }

  @Override
  public long size() {
    return base.size() - start;
  }

  @Override
  public void read(long offset, byte[] dst, int at, int length) {
    Objects.checkFromIndexSize(offset, length, size());
    base.read(start + offset, dst, at, length);
  }

  @Override
  public SnapshotBytes from(long offset) {
    return offset == 0 ? this : new SnapshotSlice(base, start + offset);
  }
}
