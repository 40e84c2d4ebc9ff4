package io.lockd.transport;

import io.lockd.paxos.Ballot;
import io.lockd.paxos.Batch;
import io.lockd.paxos.Command;
import io.lockd.paxos.Entry;
import io.lockd.paxos.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid messages of every kind with random contents, including the edge values (0, 1, the largest
 * long, empty lists, empty payloads, no-op batches) where encodings usually go wrong. Seeded, so a
 * failure names the seed that reproduces it.
 */
public final class RandomMessages {
  /** Every kind of {@link Message}; a test checks this against the sealed interface. */
  public static final List<Class<? extends Message>> KINDS =
      List.of(
          Message.PreVote.class,
          Message.PreVoteReply.class,
          Message.Prepare.class,
          Message.Promise.class,
          Message.Accept.class,
          Message.Accepted.class,
          Message.Nack.class,
          Message.Heartbeat.class,
          Message.HeartbeatAck.class,
          Message.CatchUpRequest.class,
          Message.CatchUpEntries.class,
          Message.SnapshotChunk.class,
          Message.StateChecksum.class,
          Message.SnapshotRequest.class,
          Message.TimeoutNow.class);

  private final Random random;

  public RandomMessages(long seed) {
    this.random = new Random(seed);
  }

  /** One message of each kind from {@code from} to {@code to}, in {@link #KINDS} order. */
  public List<Message> oneOfEachKind(int from, int to) {
    List<Message> out = new ArrayList<>();
    for (Class<? extends Message> kind : KINDS) {
      out.add(next(kind, from, to));
    }
    return out;
  }

  /** A message of a random kind between random replicas. */
  public Message next() {
    return next(KINDS.get(random.nextInt(KINDS.size())), replicaId(), replicaId());
  }

  public Message next(Class<? extends Message> kind, int from, int to) {
    if (kind == Message.PreVote.class) {
      return new Message.PreVote(from, to, ballot());
    } else if (kind == Message.PreVoteReply.class) {
      return new Message.PreVoteReply(from, to, ballot(), ballot(), random.nextBoolean());
    } else if (kind == Message.Prepare.class) {
      return new Message.Prepare(from, to, ballot(), index());
    } else if (kind == Message.Promise.class) {
      return new Message.Promise(from, to, ballot(), index(), entries());
    } else if (kind == Message.Accept.class) {
      return new Message.Accept(from, to, ballot(), entries(), index());
    } else if (kind == Message.Accepted.class) {
      List<Long> slots = new ArrayList<>();
      for (int i = random.nextInt(6); i > 0; i--) {
        slots.add(slot());
      }
      return new Message.Accepted(from, to, ballot(), slots);
    } else if (kind == Message.Nack.class) {
      Message.NackReason[] reasons = Message.NackReason.values();
      return new Message.Nack(
          from, to, ballot(), ballot(), reasons[random.nextInt(reasons.length)]);
    } else if (kind == Message.Heartbeat.class) {
      return new Message.Heartbeat(from, to, ballot(), index(), index());
    } else if (kind == Message.HeartbeatAck.class) {
      return new Message.HeartbeatAck(from, to, ballot(), index(), index());
    } else if (kind == Message.CatchUpRequest.class) {
      return new Message.CatchUpRequest(from, to, index());
    } else if (kind == Message.CatchUpEntries.class) {
      return new Message.CatchUpEntries(from, to, entries(), index());
    } else if (kind == Message.SnapshotChunk.class) {
      return new Message.SnapshotChunk(
          from,
          to,
          index(),
          index(),
          someBytes(random.nextInt(4) == 0 ? 0 : 4096),
          random.nextBoolean());
    } else if (kind == Message.StateChecksum.class) {
      return new Message.StateChecksum(from, to, index(), random.nextLong());
    } else if (kind == Message.SnapshotRequest.class) {
      return new Message.SnapshotRequest(from, to);
    } else if (kind == Message.TimeoutNow.class) {
      return new Message.TimeoutNow(from, to, ballot(), replicaId());
    }
    throw new IllegalArgumentException("no generator for " + kind);
  }

  /** Exactly {@code size} random bytes. */
  public byte[] bytes(int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  private byte[] someBytes(int maxSize) {
    return bytes(maxSize == 0 ? 0 : random.nextInt(maxSize + 1));
  }

  private int replicaId() {
    switch (random.nextInt(4)) {
      case 0:
        return 0;
      case 1:
        return MessageChecks.REPLICA_ID_MAX;
      default:
        return 1 + random.nextInt(7);
    }
  }

  private long ballot() {
    if (random.nextInt(8) == 0) {
      return Ballot.ZERO;
    }
    long round = random.nextInt(4) == 0 ? (1L << 47) - 1 : random.nextInt(1000);
    return Ballot.of(round, random.nextInt(MessageChecks.REPLICA_ID_MAX + 1));
  }

  /** A non-negative index, round or offset. */
  private long index() {
    switch (random.nextInt(5)) {
      case 0:
        return 0;
      case 1:
        return Long.MAX_VALUE;
      case 2:
        return random.nextLong() & Long.MAX_VALUE;
      default:
        return random.nextInt(100_000);
    }
  }

  private long slot() {
    return random.nextInt(5) == 0 ? Long.MAX_VALUE : 1 + random.nextInt(100_000);
  }

  private List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    for (int i = random.nextInt(5); i > 0; i--) {
      entries.add(new Entry(slot(), ballot(), batch()));
    }
    return entries;
  }

  private Batch batch() {
    int size = random.nextInt(4);
    if (size == 0) {
      return Batch.NOOP;
    }
    List<Command> commands = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      commands.add(new Command(random.nextLong(), someBytes(random.nextInt(3) == 0 ? 0 : 64)));
    }
    return new Batch(commands);
  }
}
