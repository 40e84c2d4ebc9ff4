package io.lockd.storage;

import io.lockd.invariant.Invariants;
import io.lockd.paxos.Batch;
import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of an accepted {@link Entry}. The body, format version 1:
 *
 * <pre>
 *   u8      version (1)
 *   varint  slot
 *   varint  ballot
 *   varint  command count
 *   per command: i64 id, varint payload length, payload bytes
 * </pre>
 *
 * <p>Two framings use it. In the acceptor log ({@link LogRecords}) the body is written as is,
 * straight into the group buffer by {@link #encodeTo}: the group's CRC32C covers every byte of it
 * and is checked before any record of the group is decoded, so a checksum per entry would cost CPU
 * and four bytes per entry and detect nothing more. In a checkpoint ({@link #encode}) each entry is
 * a MapDB value of its own, and MapDB keeps no checksums, so there the body is followed by an i32
 * CRC32C of the body. The slot is stored although a checkpoint also uses it as the map key, so that
 * a record found under the wrong key is caught.
 */
public final class EntryCodec {
  static final byte VERSION = 1;
  private static final int CRC_BYTES = 4;
  private static final int ID_BYTES = 8;

  private EntryCodec() {}

  /** How many bytes {@link #encodeTo} writes for {@code entry}. Allocates nothing. */
  static int bodySize(Entry entry) {
    List<Command> commands = entry.value().commands();
    int size = 1 + Varints.sizeOf(entry.slot()) + Varints.sizeOf(entry.ballot());
    size += Varints.sizeOf(commands.size());
    for (int i = 0; i < commands.size(); i++) {
      int length = commands.get(i).size();
      size += ID_BYTES + Varints.sizeOf(length) + length;
    }
    return size;
  }

  /**
   * Writes the body of {@code entry} at {@code out}'s position, which must have {@link #bodySize}
   * bytes left. Nothing is allocated here; each payload is copied once into {@code out}, after the
   * copy {@code Command.payload()} makes (the only public way to read it, see docs/storage.md).
   */
  public static void encodeTo(Entry entry, ByteBuffer out) {
    Invariants.check(entry.ballot() >= 0, "ballot must not be negative, was %d", entry.ballot());
    List<Command> commands = entry.value().commands();
    out.put(VERSION);
    Varints.putLong(out, entry.slot());
    Varints.putLong(out, entry.ballot());
    Varints.putLong(out, commands.size());
    for (int i = 0; i < commands.size(); i++) {
      Command command = commands.get(i);
      out.putLong(command.id());
      Varints.putLong(out, command.size());
      out.put(command.payload());
    }
  }

  /** The checkpoint form: the body followed by its CRC32C. */
  public static byte[] encode(Entry entry) {
    int bodySize = bodySize(entry);
    ByteBuffer out = ByteBuffer.allocate(bodySize + CRC_BYTES);
    encodeTo(entry, out);
    out.putInt(Checksums.crc32c(out.array(), bodySize));
    return out.array();
  }

  /** Decodes a record written by {@link #encode}; any inconsistency is corruption. */
  public static Entry decode(byte[] bytes) {
    if (bytes.length < 1 + 3 + CRC_BYTES) {
      throw new StorageCorruptionException("entry record too short: " + bytes.length + " bytes");
    }
    int bodyEnd = bytes.length - CRC_BYTES;
    int stored = ByteBuffer.wrap(bytes, bodyEnd, CRC_BYTES).getInt();
    if (stored != Checksums.crc32c(bytes, bodyEnd)) {
      throw new StorageCorruptionException("entry record checksum mismatch");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, bodyEnd);
    Entry entry = decodeBody(in);
    if (in.hasRemaining()) {
      throw new StorageCorruptionException("entry record has " + in.remaining() + " extra bytes");
    }
    return entry;
  }

  /**
   * Reads one body written by {@link #encodeTo} from {@code in}'s position and leaves the position
   * after it. The caller has checked the bytes' checksum; what fails here is a format error.
   */
  static Entry decodeBody(ByteBuffer in) {
    if (!in.hasRemaining()) {
      throw new StorageCorruptionException("entry record is empty");
    }
    byte version = in.get();
    if (version != VERSION) {
      throw new StorageCorruptionException("unknown entry format version " + version);
    }
    long slot = Varints.getLong(in, "slot");
    long ballot = Varints.getLong(in, "ballot");
    if (slot < 1) {
      throw new StorageCorruptionException("entry slot " + slot + " is below 1");
    }
    return new Entry(slot, ballot, readBatch(in));
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
