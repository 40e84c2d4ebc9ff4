package io.lockd.storage;

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
 * </pre>
 *
 * <p>A {@link StoreWrite.Snapshot} has no record: a snapshot reaches the disk only inside a
 * checkpoint (see {@link AcceptorStore} for what that means after a crash). A {@link
 * StoreWrite.Rebuilt} carries its snapshot in the log instead: it lowers the chosen index and drops
 * slots taken as chosen, which must hold from its sync on, and a rebuild is rare enough that
 * writing the snapshot twice (here, then in the checkpoint it triggers) costs nothing that matters.
 * Logs written before it existed hold no type 4 and read as before.
 */
final class LogRecords {
  static final byte PROMISED = 1;
  static final byte ACCEPTED = 2;
  static final byte CHOSEN = 3;
  static final byte REBUILT = 4;

  private LogRecords() {}

  /** Bytes {@link #encode} writes for {@code write}; 0 for a write that is not logged. */
  static int sizeOf(StoreWrite write) {
    if (write instanceof StoreWrite.Promised p) {
      return 1 + Varints.sizeOf(p.ballot());
    } else if (write instanceof StoreWrite.Accepted a) {
      return 1 + EntryCodec.bodySize(a.entry());
    } else if (write instanceof StoreWrite.Chosen c) {
      return 1 + Varints.sizeOf(c.index());
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
    try {
      while (payload.hasRemaining()) {
        byte type = payload.get();
        switch (type) {
          case PROMISED -> to.accept(new StoreWrite.Promised(Varints.getLong(payload, "ballot")));
          case ACCEPTED -> to.accept(new StoreWrite.Accepted(EntryCodec.decodeBody(payload)));
          case CHOSEN -> to.accept(new StoreWrite.Chosen(Varints.getLong(payload, "chosen index")));
          case REBUILT -> to.accept(decodeRebuilt(payload));
          default -> throw new StorageCorruptionException("unknown record type " + type);
        }
      }
    } catch (BufferUnderflowException e) {
      throw new StorageCorruptionException("record runs past the end of its group");
    }
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
