package io.lockd.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Order: every replica's applied sequence of operations is a prefix of one single sequence. The
 * first replica to apply position k fixes it; every other replica must apply the same operation
 * there, and a replica restoring a snapshot must land on the same running hash.
 */
final class OrderChecker {
  private final List<Long> ops = new ArrayList<>();
  private final List<Long> hashes = new ArrayList<>();

  void applied(int replica, long position, long op, long hash) {
    if (position == ops.size() + 1) {
      ops.add(op);
      hashes.add(hash);
      return;
    }
    if (position > ops.size() + 1) {
      throw new Violation(
          "order: replica "
              + replica
              + " applied position "
              + position
              + " before anyone applied "
              + (ops.size() + 1));
    }
    long expected = ops.get((int) position - 1);
    if (expected != op || hashes.get((int) position - 1) != hash) {
      throw new Violation(
          "order: replica "
              + replica
              + " applied op "
              + Long.toHexString(op)
              + " at position "
              + position
              + " where another applied "
              + Long.toHexString(expected));
    }
  }

  void restored(int replica, long position, long hash) {
    if (position == 0) {
      return;
    }
    if (position > ops.size() || hashes.get((int) position - 1) != hash) {
      throw new Violation(
          "order: replica "
              + replica
              + " restored a snapshot at position "
              + position
              + " that matches no applied prefix");
    }
  }

  long length() {
    return ops.size();
  }
}
