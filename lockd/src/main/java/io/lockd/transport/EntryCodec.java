package io.lockd.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.lockd.paxos.Batch;
import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import java.util.ArrayList;
import java.util.List;

/** Log entries, batches and commands to and from their wire form; the shared part of the codec. */
final class EntryCodec {
  private EntryCodec() {}

  static List<io.lockd.proto.peer.v1.Entry> encode(List<Entry> entries) {
    List<io.lockd.proto.peer.v1.Entry> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      out.add(
          io.lockd.proto.peer.v1.Entry.newBuilder()
              .setSlot(e.slot())
              .setBallot(e.ballot())
              .setValue(encode(e.value()))
              .build());
    }
    return out;
  }

  static List<Entry> decode(String where, List<io.lockd.proto.peer.v1.Entry> entries) {
    List<Entry> out = new ArrayList<>(entries.size());
    for (io.lockd.proto.peer.v1.Entry e : entries) {
      if (e.getSlot() < 1) {
        throw new MalformedMessageException(
            where + ": entry slot must be >= 1, was " + e.getSlot());
      }
      if (!e.hasValue()) {
        // An absent value and a no-op look alike once defaulted; refuse to guess which was meant.
        throw new MalformedMessageException(
            where + ": entry for slot " + e.getSlot() + " has no value");
      }
      out.add(new Entry(e.getSlot(), e.getBallot(), decode(e.getValue())));
    }
    return out;
  }

  private static io.lockd.proto.peer.v1.Batch encode(Batch batch) {
    io.lockd.proto.peer.v1.Batch.Builder b = io.lockd.proto.peer.v1.Batch.newBuilder();
    for (Command c : batch.commands()) {
      // payload() hands out a fresh copy that nobody else holds, so wrapping it without another
      // copy is safe.
      b.addCommands(
          io.lockd.proto.peer.v1.Command.newBuilder()
              .setId(c.id())
              .setPayload(UnsafeByteOperations.unsafeWrap(c.payload())));
    }
    return b.build();
  }

  private static Batch decode(io.lockd.proto.peer.v1.Batch batch) {
    if (batch.getCommandsCount() == 0) {
      return Batch.NOOP;
    }
    List<Command> commands = new ArrayList<>(batch.getCommandsCount());
    for (io.lockd.proto.peer.v1.Command c : batch.getCommandsList()) {
      commands.add(new Command(c.getId(), c.getPayload().toByteArray()));
    }
    return new Batch(commands);
  }
}
