package io.lockd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The writing end of the acceptor log: it puts each sealed group at the append offset of the
 * current segment with one positional write, then makes it durable with one {@code fdatasync}.
 * Segments are preallocated, so neither changes the file's size or extents.
 *
 * <p>A group that does not fit in what is left of the segment goes at the start of a new one. The
 * rest of the old segment stays zero, which a reader takes as the end of that segment's data. The
 * roll: fsync the old segment, rename a spare to the name of the group's seq, fsync the directory,
 * and only then write the group, so a group is never acknowledged in a file whose name a crash
 * could still take away.
 */
final class LogAppender implements AutoCloseable {
  private final DataDirectory directory;
  private final StorageIo io;
  private final Segments segments;
  private final SegmentPreparer preparer;

  private FileChannel channel;
  private Path file;
  private long segmentBytes;
  private long offset;

  /**
   * Appends after {@code appendOffset} in {@code lastSegment}; with no segment yet, the first
   * append creates one.
   */
  LogAppender(
      DataDirectory directory,
      StorageIo io,
      Segments segments,
      SegmentPreparer preparer,
      Path lastSegment,
      long appendOffset)
      throws IOException {
    this.directory = directory;
    this.io = io;
    this.segments = segments;
    this.preparer = preparer;
    if (lastSegment != null) {
      channel = FileChannel.open(lastSegment, StandardOpenOption.READ, StandardOpenOption.WRITE);
      file = lastSegment;
      segmentBytes = channel.size();
      offset = appendOffset;
    }
  }

  /**
   * Writes group {@code seq} (the buffer from its position to its limit) and syncs it. Returns how
   * far the log grew, counting space skipped to keep a header within a sector.
   */
  long append(ByteBuffer group, long seq) throws IOException {
    long bytes = group.remaining();
    long before = offset;
    long start = channel == null ? 0 : GroupFormat.headerStart(offset);
    if (channel == null || start + bytes > segmentBytes) {
      roll(seq, bytes);
      start = 0;
      before = 0;
    }
    io.write(channel, group, start, file);
    io.force(channel, false, file);
    offset = start + bytes;
    return offset - before;
  }

  private void roll(long seq, long bytes) throws IOException {
    if (channel != null) {
      // Every group in it was fdatasynced already; this fsync is the belt to that.
      io.force(channel, true, file);
      channel.close();
      channel = null;
    }
    SegmentPreparer.Spare spare = preparer.take(bytes);
    Path target = directory.segment(seq);
    try {
      io.rename(spare.path(), target);
      io.fsync(directory.wal());
    } catch (IOException | RuntimeException e) {
      spare.channel().close();
      throw e;
    }
    segments.add(seq, target);
    channel = spare.channel();
    file = target;
    segmentBytes = spare.size();
    offset = 0;
  }

  /** The segment being appended to, or null before the first append. */
  Path file() {
    return file;
  }

  /** Closes the current segment without a sync: nothing reaches it between syncs anyway. */
  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
