package io.lockd.cli;

/**
 * Latencies in buckets of bounded relative error (1/32, about 3 %): 32 sub-buckets per power of
 * two of microseconds, from 1 µs to about 35 minutes. Fixed size, one per thread, merged at the
 * end; the maximum is kept exactly.
 */
final class LatencyHistogram {
  private static final int SUB = 32;
  private static final int POWERS = 32;

  private final long[] counts = new long[SUB * POWERS];
  private long total;
  private long maxNanos;

  void record(long nanos) {
    long micros = Math.max(1, nanos / 1_000);
    counts[bucket(micros)]++;
    total++;
    maxNanos = Math.max(maxNanos, nanos);
  }

  void merge(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  long count() {
    return total;
  }

  long maxNanos() {
    return maxNanos;
  }

  /** The value at quantile {@code q} (0..1), in nanoseconds: the upper edge of its bucket. */
  long quantileNanos(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return Math.min(upperMicros(i) * 1_000, maxNanos);
      }
    }
    return maxNanos;
  }

  private static int bucket(long micros) {
    int power = 63 - Long.numberOfLeadingZeros(micros);
    if (power < 5) {
      return (int) micros; // below 32 µs: exact
    }
    int sub = (int) ((micros >>> (power - 5)) & (SUB - 1));
    int b = (power - 4) * SUB + sub;
    return Math.min(b, SUB * POWERS - 1);
  }

  private static long upperMicros(int bucket) {
    if (bucket < SUB) {
      return bucket;
    }
    int power = bucket / SUB + 4;
    int sub = bucket % SUB;
    return ((long) (SUB + sub + 1) << (power - 5)) - 1;
  }
}
