package io.lockd.bench;

import java.util.Arrays;
import java.util.stream.LongStream;

/** A growable array of longs, written by one thread, read after it stopped (or via last()). */
final class Samples {
  private volatile long[] values = new long[1024];
  private volatile int size;

  void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, values.length * 2);
    }
    values[size] = v;
    size = size + 1;
  }

  long last() {
    int n = size;
    long[] v = values;
    return n == 0 ? 0 : v[Math.min(n, v.length) - 1];
  }

  long firstAfter(long t) {
    for (int i = 0; i < size; i++) {
      if (values[i] > t) {
        return values[i];
      }
    }
    return Long.MAX_VALUE;
  }

  LongStream stream() {
    return Arrays.stream(values, 0, size);
  }
}
