package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sliced copies and checksums must give exactly what the one-call versions give, at any size. */
class LargeArraysTest {
  private static final int S = LargeArrays.SLICE_BYTES;

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, S - 1, S, S + 1, 3 * S + 17, 1 << 20})
  void slicedCopiesAndChecksumsEqualTheOneCallVersions(int size) {
    byte[] src = new byte[size + 10];
    new SplittableRandom(size).nextBytes(src);

    byte[] dst = new byte[size + 20];
    LargeArrays.copy(src, 5, dst, 7, size);
    byte[] expected = new byte[size + 20];
    System.arraycopy(src, 5, expected, 7, size);
    assertArrayEquals(expected, dst);

    byte[] data = Arrays.copyOf(src, size);
    CRC32C whole = new CRC32C();
    whole.update(data);
    CRC32C sliced = new CRC32C();
    LargeArrays.update(sliced, data);
    assertEquals(whole.getValue(), sliced.getValue());
    CRC32 whole32 = new CRC32();
    whole32.update(data);
    CRC32 sliced32 = new CRC32();
    LargeArrays.update(sliced32, data);
    assertEquals(whole32.getValue(), sliced32.getValue());
  }
}
