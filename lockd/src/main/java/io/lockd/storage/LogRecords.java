package io.lockd.storage;

import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.StoreWrite;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The records inside a group's payload: a type byte, then the body.
 *
 * <pre>
 *   1 PROMISED  varint ballot
 *   2 ACCEPTED  the entry body of {@link EntryCodec} (self-delimiting)
 *   3 CHOSEN    varint index
 *   4 REBUILT   varint index, varint dropped-through slot, varint state length, state bytes
 *   5 REBUILT_FILE  varint index, varint dropped-through slot, varint snapshot file number,
 *               varint state length, u32 CRC32C of the state (the file was synced first)
 * </pre>
 *
 * <p>A {@link StoreWrite.Snapshot} has no record: a snapshot reaches the disk only inside a
 * checkpoint (see {@link AcceptorStore} for what that means after a crash). A {@link
 * StoreWrite.Rebuilt} is durable with its sync instead: it lowers the chosen index and drops slots
 * taken as chosen, which must hold from its sync on. The log store syncs the rebuild's snapshot to
 * a numbered file of its own first and logs a reference to it (type 5), so a rebuild of a gigabyte
 * never becomes one record (or one array) of its size; a rebuild whose snapshot is in memory (the
 * in-memory store's frames) carries the bytes (type 4). Logs written before either existed hold no
 * type 4 or 5 and read as before.
 */
final class LogRecords {
  static final byte PROMISED = 1;
  static final byte ACCEPTED = 2;
  static final byte CHOSEN = 3;
  static final byte REBUILT = 4;
  static final byte REBUILT_FILE = 5;

  /** Opens the snapshot file a {@code REBUILT_FILE} record names (at recovery). */
  @FunctionalInterface
  interface SnapshotFileOpener {
    SnapshotBytes open(long number, long size, int crc);

    /** For payloads read without a data directory: a reference to a file is corruption there. */
    SnapshotFileOpener NONE =
        (number, size, crc) -> {
          throw new StorageCorruptionException(
              "a rebuild record refers to snapshot file " + number + " outside a data directory");
        };
  }

  private LogRecords() {}

  /** Bytes {@link #encode} writes for {@code write}; 0 for a write that is not logged. */
  static int sizeOf(StoreWrite write) {
    if (write instanceof StoreWrite.Promised p) {
      return 1 + Varints.sizeOf(p.ballot());
    } else if (write instanceof StoreWrite.Accepted a) {
      return 1 + EntryCodec.bodySize(a.entry());
    } else if (write instanceof StoreWrite.Chosen c) {
      return 1 + Varints.sizeOf(c.index());
    } else if (write instanceof StoreWrite.Rebuilt r && fileOf(r) != null) {
      FileSnapshot f = fileOf(r);
      return 1
          + Varints.sizeOf(r.index())
          + Varints.sizeOf(r.droppedThrough())
          + Varints.sizeOf(f.number())
          + Varints.sizeOf(f.size())
          + Integer.BYTES;
    } else if (write instanceof StoreWrite.Rebuilt r) {
      int length = Math.toIntExact(r.state().size());
      return 1
          + Varints.sizeOf(r.index())
          + Varints.sizeOf(r.droppedThrough())
          + Varints.sizeOf(length)
          + length;
    }
    return 0;
  }

  /** Writes the record of {@code write} at {@code out}'s position ({@link #sizeOf} bytes). */
  static void encode(StoreWrite write, ByteBuffer out) {
    if (write instanceof StoreWrite.Promised p) {
      out.put(PROMISED);
      Varints.putLong(out, p.ballot());
    } else if (write instanceof StoreWrite.Accepted a) {
      out.put(ACCEPTED);
      EntryCodec.encodeTo(a.entry(), out);
    } else if (write instanceof StoreWrite.Chosen c) {
      out.put(CHOSEN);
      Varints.putLong(out, c.index());
    } else if (write instanceof StoreWrite.Rebuilt r && fileOf(r) != null) {
      FileSnapshot f = fileOf(r);
      out.put(REBUILT_FILE);
      Varints.putLong(out, r.index());
      Varints.putLong(out, r.droppedThrough());
      Varints.putLong(out, f.number());
      Varints.putLong(out, f.size());
      out.putInt(f.crc());
    } else if (write instanceof StoreWrite.Rebuilt r) {
      out.put(REBUILT);
      Varints.putLong(out, r.index());
      Varints.putLong(out, r.droppedThrough());
      Varints.putLong(out, r.state().size());
      out.put(r.state().toArray()); // a rebuild is rare: one array of the snapshot is fine here
    }
  }

  /**
   * Decodes every record of a payload, in order, into {@code to}. The payload's CRC was checked, so
   * a record that does not parse is corruption (or a writer bug), never a torn write.
   */
  static void decodeAll(ByteBuffer payload, Consumer<StoreWrite> to) {
    decodeAll(payload, to, SnapshotFileOpener.NONE);
  }

  /** As {@link #decodeAll(ByteBuffer, Consumer)}, opening rebuilt snapshots' files by number. */
  static void decodeAll(ByteBuffer payload, Consumer<StoreWrite> to, SnapshotFileOpener files) {
    try {
      while (payload.hasRemaining()) {
        byte type = payload.get();
        switch (type) {
          case PROMISED -> to.accept(new StoreWrite.Promised(Varints.getLong(payload, "ballot")));
          case ACCEPTED -> to.accept(new StoreWrite.Accepted(EntryCodec.decodeBody(payload)));
          case CHOSEN -> to.accept(new StoreWrite.Chosen(Varints.getLong(payload, "chosen index")));
          case REBUILT -> to.accept(decodeRebuilt(payload));
          case REBUILT_FILE -> to.accept(decodeRebuiltFile(payload, files));
          default -> throw new StorageCorruptionException("unknown record type " + type);
        }
      }
    } catch (BufferUnderflowException e) {
      throw new StorageCorruptionException("record runs past the end of its group");
    }
  }

  /** The numbered file a rebuild's snapshot is in, if the log store made it one. */
  private static FileSnapshot fileOf(StoreWrite.Rebuilt r) {
    return r.state() instanceof FileSnapshot f && f.number() > 0 ? f : null;
  }

  private static StoreWrite.Rebuilt decodeRebuiltFile(
      ByteBuffer payload, SnapshotFileOpener files) {
    long index = Varints.getLong(payload, "rebuilt snapshot index");
    long droppedThrough = Varints.getLong(payload, "rebuilt dropped-through slot");
    long number = Varints.getLong(payload, "rebuilt snapshot file number");
    long size = Varints.getLong(payload, "rebuilt snapshot size");
    int crc = payload.getInt();
    if (droppedThrough < index || number <= 0) {
      throw new StorageCorruptionException(
          "rebuild to index " + index + " through slot " + droppedThrough + " in file " + number);
    }
    return new StoreWrite.Rebuilt(index, droppedThrough, files.open(number, size, crc));
  }

  private static StoreWrite.Rebuilt decodeRebuilt(ByteBuffer payload) {
    long index = Varints.getLong(payload, "rebuilt snapshot index");
    long droppedThrough = Varints.getLong(payload, "rebuilt dropped-through slot");
    if (droppedThrough < index) {
      throw new StorageCorruptionException(
          "rebuild to index " + index + " drops only through slot " + droppedThrough);
    }
    byte[] state = new byte[Varints.getInt(payload, payload.remaining(), "rebuilt state length")];
    payload.get(state);
    return new StoreWrite.Rebuilt(index, droppedThrough, state);
  }
}
