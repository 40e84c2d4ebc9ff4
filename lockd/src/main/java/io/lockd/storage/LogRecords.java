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
 * </pre>
 *
 * <p>A {@link StoreWrite.Snapshot} has no record: a snapshot reaches the disk only inside a
 * checkpoint (see {@link AcceptorStore} for what that means after a crash).
 */
final class LogRecords {
  static final byte PROMISED = 1;
  static final byte ACCEPTED = 2;
  static final byte CHOSEN = 3;

  private LogRecords() {}

  /** Bytes {@link #encode} writes for {@code write}; 0 for a write that is not logged. */
  static int sizeOf(StoreWrite write) {
    if (write instanceof StoreWrite.Promised p) {
      return 1 + Varints.sizeOf(p.ballot());
    } else if (write instanceof StoreWrite.Accepted a) {
      return 1 + EntryCodec.bodySize(a.entry());
    } else if (write instanceof StoreWrite.Chosen c) {
      return 1 + Varints.sizeOf(c.index());
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
    }
  }

  /**
   * Decodes every record of a payload, in order, into {@code to}. The payload's CRC was checked,
   * so a record that does not parse is corruption (or a writer bug), never a torn write.
   */
  static void decodeAll(ByteBuffer payload, Consumer<StoreWrite> to) {
    try {
      while (payload.hasRemaining()) {
        byte type = payload.get();
        switch (type) {
          case PROMISED -> to.accept(new StoreWrite.Promised(Varints.getLong(payload, "ballot")));
          case ACCEPTED -> to.accept(new StoreWrite.Accepted(EntryCodec.decodeBody(payload)));
          case CHOSEN -> to.accept(new StoreWrite.Chosen(Varints.getLong(payload, "chosen index")));
          default -> throw new StorageCorruptionException("unknown record type " + type);
        }
      }
    } catch (BufferUnderflowException e) {
      throw new StorageCorruptionException("record runs past the end of its group");
    }
  }
}
