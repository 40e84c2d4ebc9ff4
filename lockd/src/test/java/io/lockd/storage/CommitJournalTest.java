package io.lockd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitJournalTest {
  @TempDir Path dir;

  private static final List<CommitJournal.Range> RANGES =
      List.of(
          new CommitJournal.Range(0, TestData.bytes(1, 40)),
          new CommitJournal.Range(1 << 20, new byte[0]),
          new CommitJournal.Range(5_000_000_000L, TestData.bytes(2, 9)));

  @Test
  void rangesComeBackAsWritten() throws IOException {
    List<CommitJournal.Range> read = roundTrip(written());
    assertNotNull(read);
    assertEquals(RANGES.size(), read.size());
    for (int i = 0; i < RANGES.size(); i++) {
      assertEquals(RANGES.get(i).offset(), read.get(i).offset());
      assertArrayEquals(RANGES.get(i).bytes(), read.get(i).bytes());
    }
  }

  @Test
  void anEmptyJournalHoldsNothing() throws IOException {
    assertNull(roundTrip(new byte[0]));
  }

  /** A crash while the journal is written leaves a prefix: it must read as no commit at all. */
  @Test
  void everyPrefixIsACommitCutShort() throws IOException {
    byte[] whole = written();
    for (int length = 0; length < whole.length; length++) {
      byte[] prefix = java.util.Arrays.copyOf(whole, length);
      assertNull(roundTrip(prefix), "prefix of " + length + " bytes");
    }
  }

  @Test
  void everySingleBitFlipIsRejected() throws IOException {
    byte[] whole = written();
    for (int bit = 0; bit < whole.length * 8; bit++) {
      byte[] flipped = whole.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertNull(roundTrip(flipped), "bit " + bit);
    }
  }

  /** A later, shorter record over a longer one must not pick up the old tail. */
  @Test
  void aShorterRecordOverALongerOneReadsAlone() throws IOException {
    Path file = dir.resolve("journal");
    try (FileChannel channel = open(file)) {
      CommitJournal.write(channel, RANGES);
      CommitJournal.write(channel, RANGES.subList(0, 1));
      List<CommitJournal.Range> read = CommitJournal.read(channel);
      // The record says how long it is; what follows it is ignored.
      assertNotNull(read);
      assertEquals(1, read.size());
    }
  }

  private byte[] written() throws IOException {
    Path file = dir.resolve("written");
    Files.deleteIfExists(file);
    try (FileChannel channel = open(file)) {
      CommitJournal.write(channel, RANGES);
    }
    return Files.readAllBytes(file);
  }

  private List<CommitJournal.Range> roundTrip(byte[] content) throws IOException {
    Path file = dir.resolve("read");
    Files.write(file, content);
    try (FileChannel channel = open(file)) {
      return CommitJournal.read(channel);
    }
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }
}
