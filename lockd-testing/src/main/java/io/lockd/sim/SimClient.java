package io.lockd.sim;

import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A client proposing operations one at a time. It guesses the leader, follows hints, and after a
 * failure or silence retries the same operation (same identity, so it applies at most once)
 * somewhere else. Acknowledged operations are recorded for the durability check.
 */
final class SimClient {
  private static final long NET_MICROS = 300;
  private static final long GIVE_UP_MICROS = 1_500_000;

  final int id;
  private final EventQueue events;
  private final List<SimReplica> replicas;
  private final SplittableRandom random;
  private final Map<Long, Long> acked = new TreeMap<>(); // seq -> position
  private long seq;
  private boolean outstanding;
  private long attempt;
  private int target;
  private boolean stopped;
  long startedAt = -1;

  /**
   * The replicas a client may pick when it has no hint: all of them, but in a run that changes the
   * membership not those retired (an operator would have taken them off the client's list).
   */
  java.util.function.IntPredicate eligible = id -> true;

  SimClient(int id, EventQueue events, List<SimReplica> replicas, SplittableRandom random) {
    this.id = id;
    this.events = events;
    this.replicas = replicas;
    this.random = random;
    this.target = 1 + random.nextInt(replicas.size());
  }

  void start() {
    next();
  }

  /** No new operations after the current one. */
  void stop() {
    stopped = true;
  }

  boolean idle() {
    return !outstanding;
  }

  Map<Long, Long> acked() {
    return acked;
  }

  private void next() {
    if (stopped) {
      return;
    }
    seq++;
    outstanding = true;
    startedAt = events.nowMicros();
    send();
  }

  private void send() {
    long thisAttempt = ++attempt;
    long thisSeq = seq;
    SimReplica r = replicas.get(target - 1);
    byte[] payload = SimStateMachine.op(id, thisSeq, random.nextInt(64));
    events.after(
        NET_MICROS,
        () ->
            r.propose(
                payload,
                new ProposalCallback() {
                  @Override
                  public void applied(long slot, byte[] result) {
                    long position = ByteBuffer.wrap(result).getLong();
                    events.after(NET_MICROS, () -> onApplied(thisSeq, position));
                  }

                  @Override
                  public void failed(ProposalFailure failure, int leaderHint) {
                    events.after(NET_MICROS, () -> onFailed(thisAttempt, leaderHint));
                  }
                }));
    events.after(
        GIVE_UP_MICROS,
        () -> {
          if (outstanding && attempt == thisAttempt) {
            retarget(-1);
            send();
          }
        });
  }

  private void onApplied(long forSeq, long position) {
    if (!outstanding || forSeq != seq) {
      return; // an earlier attempt of an operation already acknowledged
    }
    if (position <= 0) {
      throw new Violation("client " + id + ": op " + forSeq + " answered without a position");
    }
    acked.put(forSeq, position);
    outstanding = false;
    events.after(random.nextLong(200, 20_000), this::next);
  }

  private void onFailed(long forAttempt, int leaderHint) {
    if (!outstanding || forAttempt != attempt) {
      return;
    }
    retarget(leaderHint);
    events.after(random.nextLong(1_000, 30_000), this::send);
  }

  private void retarget(int hint) {
    target = hint > 0 && hint != target ? hint : 1 + random.nextInt(replicas.size());
    for (int draws = 0; draws < 64 && !eligible.test(target); draws++) {
      target = 1 + random.nextInt(replicas.size());
    }
  }

  @Override
  public String toString() {
    return "client " + id + " target=" + target + " attempt=" + attempt + " seq=" + seq;
  }
}
