package io.lockd.storage;

import io.lockd.paxos.Batch;
import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Entries and snapshots whose content follows from their coordinates, so a checker can tell a right
 * record from a torn or misplaced one without having kept a copy.
 */
final class TestData {
  /** Above MapDB's 64 KiB record limit, so that some entries span linked records. */
  static final int LARGE_PAYLOAD_BYTES = 70_000;

  private TestData() {}

  /** The entry a writer puts at {@code slot} under {@code ballot}: 0 to 4 commands, mixed sizes. */
  static Entry entry(long slot, long ballot) {
    SplittableRandom random = new SplittableRandom(slot * 0x9E3779B97F4A7C15L ^ ballot);
    int count = random.nextInt(5);
    int[] sizes = new int[count];
    for (int i = 0; i < count; i++) {
      int kind = random.nextInt(100);
      sizes[i] =
          kind < 2 ? LARGE_PAYLOAD_BYTES : kind < 20 ? random.nextInt(8192) : random.nextInt(64);
    }
    return entry(slot, ballot, sizes);
  }

  /** An entry with commands of the given payload sizes (none: a no-op). */
  static Entry entry(long slot, long ballot, int... payloadSizes) {
    List<Command> commands = new ArrayList<>();
    for (int i = 0; i < payloadSizes.length; i++) {
      long id = slot * 1000 + i;
      commands.add(new Command(id, bytes(id ^ ballot, payloadSizes[i])));
    }
    return new Entry(slot, ballot, commands.isEmpty() ? Batch.NOOP : new Batch(commands));
  }

  /** The snapshot a writer takes at {@code index}, of a length up to {@code maxBytes}. */
  static byte[] snapshot(long index, int maxBytes) {
    SplittableRandom random = new SplittableRandom(index * 31 + 7);
    return bytes(random.nextLong(), random.nextInt(maxBytes + 1));
  }

  static byte[] bytes(long seed, int length) {
    byte[] out = new byte[length];
    new SplittableRandom(seed).nextBytes(out);
    return out;
  }
}
