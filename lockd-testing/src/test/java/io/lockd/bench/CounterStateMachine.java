package io.lockd.bench;

import io.lockd.paxos.Command;
import io.lockd.replica.StateMachine;
import java.nio.ByteBuffer;

/** The benchmark's fixture: counts applied commands. */
final class CounterStateMachine implements StateMachine {
  private long count;

  @Override
  public byte[] apply(long slot, Command command) {
    count++;
    return ByteBuffer.allocate(8).putLong(count).array();
  }

  @Override
  public byte[] snapshot() {
    return ByteBuffer.allocate(8).putLong(count).array();
  }

  @Override
  public void restore(byte[] snapshot) {
    count = ByteBuffer.wrap(snapshot).getLong();
  }
}
