package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Entry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

  @Test
  void entriesRoundTrip() {
    for (long slot = 1; slot < 400; slot++) {
      Entry entry = TestData.entry(slot, Ballot.of(slot % 7, (int) (slot % 5)));
      assertEquals(entry, EntryCodec.decode(EntryCodec.encode(entry)));
    }
    Entry extreme = TestData.entry(Long.MAX_VALUE, Long.MAX_VALUE, 0, 1, 200_000);
    assertEquals(extreme, EntryCodec.decode(EntryCodec.encode(extreme)));
  }

  @Test
  void encodeToWritesTheBodyInPlaceAndDecodeBodyReadsItBack() {
    ByteBuffer out = ByteBuffer.allocateDirect(300_000);
    List<Entry> entries = new ArrayList<>();
    for (long slot = 1; slot < 60; slot++) {
      Entry entry = TestData.entry(slot, slot * 3);
      int before = out.position();
      EntryCodec.encodeTo(entry, out);
      assertEquals(EntryCodec.bodySize(entry), out.position() - before, "bodySize of " + slot);
      entries.add(entry);
    }
    out.flip();
    for (Entry entry : entries) {
      assertEquals(entry, EntryCodec.decodeBody(out));
    }
    assertEquals(0, out.remaining());
  }

  @Test
  void theCheckpointFormIsTheBodyAndItsChecksum() {
    Entry entry = TestData.entry(12, 4, 10, 0, 2);
    byte[] bytes = EntryCodec.encode(entry);
    assertEquals(EntryCodec.bodySize(entry) + 4, bytes.length);
    assertEquals(entry, EntryCodec.decodeBody(ByteBuffer.wrap(bytes, 0, bytes.length - 4)));
  }

  @Test
  void aNoopTakesEightBytes() {
    assertEquals(8, EntryCodec.encode(TestData.entry(5, 1, new int[0])).length);
  }

  @Test
  void everyTruncationIsDetected() {
    byte[] bytes = EntryCodec.encode(TestData.entry(77, 3, 5, 0, 300));
    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThrows(
          StorageCorruptionException.class, () -> EntryCodec.decode(cut), "length " + length);
    }
  }

  @Test
  void everySingleBitFlipIsDetected() {
    byte[] bytes = EntryCodec.encode(TestData.entry(77, 3, 5, 0, 40));
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(
          StorageCorruptionException.class, () -> EntryCodec.decode(flipped), "bit " + bit);
    }
  }

  @Test
  void extraBytesAreDetected() {
    byte[] bytes = EntryCodec.encode(TestData.entry(9, 1, 3));
    int bodyEnd = bytes.length - 4;
    // One more body byte under a valid checksum: only the length is wrong.
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    longer[bodyEnd] = 0;
    ByteBuffer.wrap(longer, bodyEnd + 1, 4).putInt(Checksums.crc32c(longer, bodyEnd + 1));
    StorageCorruptionException e =
        assertThrows(StorageCorruptionException.class, () -> EntryCodec.decode(longer));
    assertTrue(e.getMessage().contains("extra"), e.getMessage());
  }

  @Test
  void anUnknownVersionIsNamed() {
    byte[] bytes = EntryCodec.encode(TestData.entry(9, 1, 3));
    bytes[0] = 2;
    int bodyEnd = bytes.length - 4;
    ByteBuffer.wrap(bytes, bodyEnd, 4).putInt(Checksums.crc32c(bytes, bodyEnd));
    StorageCorruptionException e =
        assertThrows(StorageCorruptionException.class, () -> EntryCodec.decode(bytes));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
  }
}
