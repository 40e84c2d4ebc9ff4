package io.lockd.storage;

import io.lockd.paxos.SnapshotBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds an acceptor's state at open: the newest checkpoint that reads back whole, then every
 * group after it, in order, through {@link AcceptorMeta#apply}. Group seqs must run without a gap
 * or overlap from the checkpoint through the last segment; a torn last group is cut off (its bytes
 * zeroed and synced, with a warning); anything else that does not check out is a {@link
 * StorageCorruptionException}, never a shorter log.
 */
final class LogRecovery {
  private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
  private static final CheckpointImage NONE =
      new CheckpointImage(0, 0, 0, 0, SnapshotBytes.EMPTY, List.of());

  /**
   * What recovery found.
   *
   * @param checkpoint the checkpoint it started from (seq 0 and empty if none)
   * @param lastSeq the last group in the log (the checkpoint's seq if the log is empty)
   * @param lastSegment the segment to append to, or null if there is none
   * @param appendOffset where the next group goes in {@code lastSegment}
   * @param replayedBytes payload bytes replayed on top of the checkpoint
   */
  record Result(
      CheckpointImage checkpoint,
      AcceptorMirror mirror,
      Segments segments,
      long lastSeq,
      Path lastSegment,
      long appendOffset,
      long replayedBytes,
      NavigableMap<Long, Long> rebuildFiles) {}

  private LogRecovery() {}

  static Result run(DataDirectory directory, StorageIo io) throws IOException {
    List<StorageCorruptionException> damaged = new ArrayList<>();
    CheckpointImage checkpoint = newestCheckpoint(directory, damaged);
    long covered = checkpoint.seq();
    Segments segments = new Segments(directory.segments());
    // The checkpoint read back whole, so the segments it covers are no longer needed.
    for (Path old : segments.removeCoveredBy(covered)) {
      io.delete(old);
    }
    NavigableMap<Long, Path> files = segments.files();
    AcceptorMirror mirror = AcceptorMirror.of(checkpoint);
    if (files.isEmpty()) {
      return new Result(checkpoint, mirror, segments, covered, null, 0, 0, new TreeMap<>());
    }
    if (files.firstKey() > covered + 1) {
      throw withDamaged(
          new StorageCorruptionException(
              "acceptor log in "
                  + directory.wal()
                  + " starts at group "
                  + files.firstKey()
                  + ", but the newest readable checkpoint"
                  + " covers only groups up to "
                  + covered),
          damaged);
    }
    long[] replayed = {0};
    NavigableMap<Long, Long> rebuildFiles = new TreeMap<>();
    long expected = files.firstKey();
    SegmentScanner.End end = null;
    for (Map.Entry<Long, Path> segment : files.entrySet()) {
      Path file = segment.getValue();
      boolean last = segment.getKey().equals(files.lastKey());
      if (segment.getKey() != expected) {
        throw SegmentScanner.corruption(
            file,
            0,
            "segment starts at group "
                + segment.getKey()
                + ", but the one before it ends at group "
                + (expected - 1));
      }
      end =
          SegmentScanner.scan(
              file,
              expected,
              last,
              (seq, payload, offset) -> {
                if (seq > covered) {
                  replay(directory, mirror, payload, file, offset, seq, rebuildFiles);
                  replayed[0] += payload.capacity();
                }
              });
      if (!last && end.groups() == 0) {
        throw SegmentScanner.corruption(file, 0, "empty segment before the last one");
      }
      expected = end.nextSeq();
    }
    if (expected - 1 < covered) {
      throw SegmentScanner.corruption(
          files.lastEntry().getValue(),
          end.offset(),
          "the log ends"
              + " at group "
              + (expected - 1)
              + ", before checkpoint "
              + covered
              + " ends");
    }
    Path lastSegment = files.lastEntry().getValue();
    if (end.dirty()) {
      cut(lastSegment, end, io);
    }
    return new Result(
        checkpoint,
        mirror,
        segments,
        expected - 1,
        lastSegment,
        end.offset(),
        replayed[0],
        rebuildFiles);
  }

  private static CheckpointImage newestCheckpoint(
      DataDirectory directory, List<StorageCorruptionException> damaged) throws IOException {
    for (Map.Entry<Long, Path> c : directory.checkpoints().descendingMap().entrySet()) {
      try {
        return CheckpointFile.read(directory, c.getValue(), c.getKey());
      } catch (StorageCorruptionException e) {
        // An older checkpoint and the log after it may still hold everything; the seq checks
        // below tell whether they do.
        log.error("{}; trying an older checkpoint", e.getMessage());
        damaged.add(e);
      }
    }
    return NONE;
  }

  /**
   * Applies one group's records; a rebuild's snapshot file is opened (and its checksum checked) and
   * noted in {@code rebuildFiles} under the group's seq, so that it is kept until a checkpoint
   * covers the group.
   */
  private static void replay(
      DataDirectory directory,
      AcceptorMirror mirror,
      ByteBuffer payload,
      Path file,
      int offset,
      long seq,
      NavigableMap<Long, Long> rebuildFiles) {
    LogRecords.SnapshotFileOpener opener =
        (number, size, crc) -> {
          try {
            FileSnapshot opened =
                FileSnapshot.open(directory.snapshot(number), number, size, crc, true);
            rebuildFiles.put(seq, number);
            return opened;
          } catch (IOException e) {
            throw new StorageCorruptionException(
                "the snapshot file of a rebuild cannot be read: " + e, e);
          }
        };
    try {
      LogRecords.decodeAll(payload, mirror::apply, opener);
    } catch (StorageCorruptionException | IllegalStateException e) {
      // The payload passed its CRC: a record that does not parse or apply is not a torn write.
      throw SegmentScanner.corruption(file, offset, "group " + seq + ": " + e.getMessage());
    }
  }

  /**
   * Zeroes a torn group, or the leftovers of one, up to the end of its bytes and syncs: the bytes
   * after the header first, then the header, so that a crash in between leaves a group that is
   * still torn and is cut again at the next open.
   */
  private static void cut(Path file, SegmentScanner.End end, StorageIo io) throws IOException {
    int from = end.offset();
    int to = end.dirtyEnd();
    if (end.tornSeq() >= 0) {
      log.warn(
          "acceptor log {}: torn group {} at offset {} cut off: {} bytes dropped",
          file,
          end.tornSeq(),
          from,
          to - from);
    } else {
      log.warn(
          "acceptor log {}: non-zero bytes after the end of the log at offset {} (a torn"
              + " write whose first sector never reached the disk): {} bytes zeroed",
          file,
          from,
          to - from);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      int headerEnd = Math.min(to, from + GroupFormat.HEADER_BYTES);
      zero(channel, headerEnd, to, file, io);
      io.force(channel, false, file);
      zero(channel, from, headerEnd, file, io);
      io.force(channel, false, file);
    }
  }

  private static void zero(FileChannel channel, long from, long to, Path file, StorageIo io)
      throws IOException {
    if (to <= from) {
      return;
    }
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, to - from));
    for (long at = from; at < to; at += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
      io.write(channel, zeros, at, file);
    }
  }

  private static StorageCorruptionException withDamaged(
      StorageCorruptionException e, List<StorageCorruptionException> damaged) {
    damaged.forEach(e::addSuppressed);
    return e;
  }
}
