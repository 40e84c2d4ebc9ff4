package io.lockd.storage;

import io.lockd.paxos.Batch;
import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Invariants;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk form of an accepted {@link Entry}. Format version 1:
 *
 * <pre>
 *   u8      version (1)
 *   varint  slot
 *   varint  ballot
 *   varint  command count
 *   per command: i64 id, varint payload length, payload bytes
 *   i32     CRC32C of every byte before it
 * </pre>
 *
 * <p>The checksum is ours because MapDB's write-ahead store keeps none; it turns a torn or
 * bit-flipped record into a {@link StorageCorruptionException} instead of a wrong vote. The slot
 * is stored although it is also the map key, so that a record found under the wrong key is caught.
 */
public final class EntryCodec {
  static final byte VERSION = 1;
  private static final int CRC_BYTES = 4;
  private static final int ID_BYTES = 8;

  private EntryCodec() {}

  public static byte[] encode(Entry entry) {
    Invariants.check(entry.ballot() >= 0, "ballot must not be negative, was %d", entry.ballot());
    List<Command> commands = entry.value().commands();
    byte[][] payloads = new byte[commands.size()][];
    int size = 1 + Varints.sizeOf(entry.slot()) + Varints.sizeOf(entry.ballot());
    size += Varints.sizeOf(commands.size()) + CRC_BYTES;
    for (int i = 0; i < payloads.length; i++) {
      payloads[i] = commands.get(i).payload();
      size += ID_BYTES + Varints.sizeOf(payloads[i].length) + payloads[i].length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(VERSION);
    Varints.putLong(out, entry.slot());
    Varints.putLong(out, entry.ballot());
    Varints.putLong(out, commands.size());
    for (int i = 0; i < payloads.length; i++) {
      out.putLong(commands.get(i).id());
      Varints.putLong(out, payloads[i].length);
      out.put(payloads[i]);
    }
    out.putInt(Checksums.crc32c(out.array(), size - CRC_BYTES));
    return out.array();
  }

  /** Decodes a record written by {@link #encode}; any inconsistency is corruption. */
  public static Entry decode(byte[] bytes) {
    if (bytes.length < 1 + 3 + CRC_BYTES) {
      throw new StorageCorruptionException("entry record too short: " + bytes.length + " bytes");
    }
    if (bytes[0] != VERSION) {
      throw new StorageCorruptionException("unknown entry format version " + bytes[0]);
    }
    int bodyEnd = bytes.length - CRC_BYTES;
    int stored = ByteBuffer.wrap(bytes, bodyEnd, CRC_BYTES).getInt();
    if (stored != Checksums.crc32c(bytes, bodyEnd)) {
      throw new StorageCorruptionException("entry record checksum mismatch");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, bodyEnd - 1);
    long slot = Varints.getLong(in, "slot");
    long ballot = Varints.getLong(in, "ballot");
    if (slot < 1) {
      throw new StorageCorruptionException("entry slot " + slot + " is below 1");
    }
    Entry entry = new Entry(slot, ballot, readBatch(in));
    if (in.hasRemaining()) {
      throw new StorageCorruptionException("entry record has " + in.remaining() + " extra bytes");
    }
    return entry;
  }

  private static Batch readBatch(ByteBuffer in) {
    // A command takes at least 9 bytes, which bounds the count before anything is allocated.
    int count = Varints.getInt(in, in.remaining() / (ID_BYTES + 1), "command count");
    List<Command> commands = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        long id = in.getLong();
        byte[] payload = new byte[Varints.getInt(in, in.remaining(), "payload length")];
        in.get(payload);
        commands.add(new Command(id, payload));
      }
    } catch (BufferUnderflowException e) {
      throw new StorageCorruptionException("entry record is truncated inside a command");
    }
    return count == 0 ? Batch.NOOP : new Batch(commands);
  }
}
