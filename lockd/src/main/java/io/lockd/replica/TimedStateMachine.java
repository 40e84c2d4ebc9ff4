package io.lockd.replica;

import io.lockd.paxos.Command;
import io.lockd.paxos.SnapshotBytes;
import io.lockd.paxos.SnapshotSink;
import java.util.function.LongConsumer;

/**
 * A state machine whose snapshots and restores are timed for metrics: a snapshot's capture (on the
 * replica's thread) and encoding (beside it) together, and a restore (on the replica's thread, time
 * the loop answers nothing else). An operator sizing a cell needs to see both. Observers are set
 * after start (the metrics come later than the replica), hence the volatile fields; until then
 * nothing is observed.
 */
final class TimedStateMachine implements StateMachine {
  private final StateMachine inner;
  private volatile LongConsumer snapshots = nanos -> {};
  private volatile LongConsumer restores = nanos -> {};

  TimedStateMachine(StateMachine inner) {
    this.inner = inner;
  }

  void observe(LongConsumer snapshotNanos, LongConsumer restoreNanos) {
    this.snapshots = snapshotNanos;
    this.restores = restoreNanos;
  }

  @Override
  public byte[] apply(long slot, Command command) {
    return inner.apply(slot, command);
  }

  @Override
  public byte[] snapshot() {
    long start = System.nanoTime();
    byte[] state = inner.snapshot();
    snapshots.accept(System.nanoTime() - start);
    return state;
  }

  @Override
  public Image capture() {
    long start = System.nanoTime();
    Image image = inner.capture();
    long[] copyNanos = {System.nanoTime() - start};
    return new Image() {
      @Override
      public boolean copyMore() {
        long stepStart = System.nanoTime();
        boolean whole = image.copyMore();
        copyNanos[0] += System.nanoTime() - stepStart;
        return whole;
      }

      @Override
      public byte[] encode() {
        long encodeStart = System.nanoTime();
        byte[] bytes = image.encode();
        snapshots.accept(copyNanos[0] + System.nanoTime() - encodeStart);
        return bytes;
      }

      @Override
      public void encodeTo(byte[] prefix, SnapshotSink sink) {
        long encodeStart = System.nanoTime();
        image.encodeTo(prefix, sink);
        snapshots.accept(copyNanos[0] + System.nanoTime() - encodeStart);
      }
    };
  }

  @Override
  public void restore(byte[] snapshot) {
    long start = System.nanoTime();
    inner.restore(snapshot);
    restores.accept(System.nanoTime() - start);
  }

  @Override
  public void restore(SnapshotBytes snapshot) {
    long start = System.nanoTime();
    inner.restore(snapshot);
    restores.accept(System.nanoTime() - start);
  }

  @Override
  public boolean readable(byte[] snapshot) {
    return inner.readable(snapshot);
  }

  @Override
  public boolean readable(SnapshotBytes snapshot) {
    return inner.readable(snapshot);
  }
}
