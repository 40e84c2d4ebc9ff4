package io.lockd.sim;

import io.lockd.paxos.Command;
import io.lockd.replica.StateMachine;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulation's fixture state machine: a sequence of client operations, applied at most once
 * each (clients retry with the same identity after a failover), with a running hash of the
 * sequence. It reports every application to the {@link OrderChecker}.
 *
 * <p>An operation's payload is (client id, sequence number, padding). The result is the operation's
 * position in the sequence (8 bytes), also for a retried duplicate.
 */
final class SimStateMachine implements StateMachine {
  private final int replica;
  private final OrderChecker order;
  private long count;
  private long hash;
  private final TreeMap<Integer, long[]> lastByClient = new TreeMap<>(); // {seq, position}

  SimStateMachine(int replica, OrderChecker order) {
    this.replica = replica;
    this.order = order;
  }

  static byte[] op(int client, long seq, int padding) {
    return ByteBuffer.allocate(12 + padding).putInt(client).putLong(seq).array();
  }

  static long opKey(int client, long seq) {
    return ((long) client << 40) ^ seq;
  }

  @Override
  public byte[] apply(long slot, Command command) {
    ByteBuffer in = ByteBuffer.wrap(command.payload());
    int client = in.getInt();
    long seq = in.getLong();
    long[] last = lastByClient.get(client);
    if (last != null && seq <= last[0]) {
      return position(seq == last[0] ? last[1] : -1);
    }
    long op = opKey(client, seq);
    count++;
    hash = hash * 0x9E3779B97F4A7C15L + op + 1;
    lastByClient.put(client, new long[] {seq, count});
    order.applied(replica, count, op, hash);
    return position(count);
  }

  private static byte[] position(long p) {
    return ByteBuffer.allocate(8).putLong(p).array();
  }

  @Override
  public byte[] snapshot() {
    ByteBuffer out = ByteBuffer.allocate(20 + lastByClient.size() * 20);
    out.putLong(count).putLong(hash).putInt(lastByClient.size());
    for (Map.Entry<Integer, long[]> e : lastByClient.entrySet()) {
      out.putInt(e.getKey()).putLong(e.getValue()[0]).putLong(e.getValue()[1]);
    }
    return out.array();
  }

  @Override
  public void restore(byte[] snapshot) {
    ByteBuffer in = ByteBuffer.wrap(snapshot);
    count = in.getLong();
    hash = in.getLong();
    int n = in.getInt();
    lastByClient.clear();
    for (int i = 0; i < n; i++) {
      lastByClient.put(in.getInt(), new long[] {in.getLong(), in.getLong()});
    }
    order.restored(replica, count, hash);
  }

  long count() {
    return count;
  }

  long hash() {
    return hash;
  }

  /** The highest sequence number of {@code client} applied here (0 if none). */
  long lastSeq(int client) {
    long[] last = lastByClient.get(client);
    return last == null ? 0 : last[0];
  }
}
