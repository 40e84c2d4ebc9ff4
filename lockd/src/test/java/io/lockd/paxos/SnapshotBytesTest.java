package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Snapshot bytes in blocks read exactly as the one array they stand for, whatever the blocks, the
 * offsets or the views; and once moved, they are read from where they went.
 */
class SnapshotBytesTest {
  @Test
  void blocksOfAnySizeReadAsTheArrayTheyStandFor() throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 200; round++) {
      List<byte[]> blocks = new ArrayList<>();
      int blockCount = random.nextInt(0, 8);
      for (int b = 0; b < blockCount; b++) {
        byte[] block = new byte[random.nextInt(0, 3) == 0 ? 0 : random.nextInt(1, 10_000)];
        random.nextBytes(block);
        blocks.add(block);
      }
      byte[] whole = join(blocks);
      SnapshotBytes bytes = SnapshotBytes.ofBlocks(blocks);
      assertEquals(whole.length, bytes.size());
      assertArrayEquals(whole, bytes.toArray());
      try (InputStream in = bytes.open()) {
        assertArrayEquals(whole, in.readAllBytes(), "as a stream");
      }
      for (int r = 0; r < 20 && whole.length > 0; r++) {
        int from = random.nextInt(0, whole.length + 1);
        int length = random.nextInt(0, whole.length - from + 1);
        byte[] got = new byte[length + 2];
        bytes.read(from, got, 1, length);
        assertArrayEquals(
            Arrays.copyOfRange(whole, from, from + length), Arrays.copyOfRange(got, 1, length + 1));
        assertArrayEquals(
            Arrays.copyOfRange(whole, from, whole.length), bytes.from(from).toArray(), "a view");
      }
    }
  }

  @Test
  void aReadOutsideTheBytesIsRefused() {
    SnapshotBytes bytes = SnapshotBytes.ofBlocks(List.of(new byte[10], new byte[5]));
    assertThrows(IndexOutOfBoundsException.class, () -> bytes.read(10, new byte[6], 0, 6));
    assertThrows(IndexOutOfBoundsException.class, () -> bytes.read(-1, new byte[1], 0, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> bytes.from(16));
    assertThrows(IndexOutOfBoundsException.class, () -> bytes.from(3).read(10, new byte[3], 0, 3));
  }

  @Test
  void movedBytesAreReadFromTheirNewPlace() {
    byte[] whole = new byte[5000];
    new SplittableRandom(3).nextBytes(whole);
    MemorySnapshot memory =
        (MemorySnapshot)
            SnapshotBytes.ofBlocks(
                List.of(Arrays.copyOf(whole, 1000), Arrays.copyOfRange(whole, 1000, 5000)));
    SnapshotBytes view = memory.from(100); // a holder of a view is unaware of the move too
    AtomicInteger readsThere = new AtomicInteger();
    SnapshotBytes there =
        new SnapshotBytes() {
          final SnapshotBytes copy = SnapshotBytes.of(whole.clone());

          @Override
          public long size() {
            return copy.size();
          }

          @Override
          public void read(long offset, byte[] dst, int at, int length) {
            readsThere.incrementAndGet();
            copy.read(offset, dst, at, length);
          }
        };
    memory.movedTo(there);
    assertTrue(memory.isMoved());
    assertArrayEquals(whole, memory.toArray());
    assertArrayEquals(Arrays.copyOfRange(whole, 100, 5000), view.toArray());
    assertTrue(readsThere.get() > 0, "read from the copy");
    assertThrows(
        IllegalArgumentException.class,
        () -> ((MemorySnapshot) SnapshotBytes.of(new byte[3])).movedTo(there),
        "a copy of another size is refused");
  }

  @Test
  void theMembershipHeaderIsReadWithoutCopyingTheState() {
    byte[] configurations = {9, 8, 7};
    byte[] state = new byte[100_000];
    new SplittableRandom(5).nextBytes(state);
    SnapshotBytes stored =
        SnapshotBytes.ofBlocks(List.of(MembershipSnapshot.header(configurations), state));
    MembershipSnapshot.Parts parts = MembershipSnapshot.unwrap(stored);
    assertArrayEquals(configurations, parts.configurations());
    assertArrayEquals(state, parts.state().toArray());
    MembershipSnapshot.Parts bare = MembershipSnapshot.unwrap(SnapshotBytes.of(state));
    assertEquals(null, bare.configurations());
    assertArrayEquals(state, bare.state().toArray(), "a snapshot without the header is all state");
  }

  private static byte[] join(List<byte[]> blocks) {
    int size = blocks.stream().mapToInt(b -> b.length).sum();
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] b : blocks) {
      System.arraycopy(b, 0, out, at, b.length);
      at += b.length;
    }
    return out;
  }
}
