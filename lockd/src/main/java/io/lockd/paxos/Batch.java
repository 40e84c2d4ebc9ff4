package io.lockd.paxos;

import java.util.List;

/**
 * A slot's value: the commands the leader batched into one decision. An empty batch is a no-op,
 * used to fill holes during recovery and as a new leader's first proposal.
 */
public record Batch(List<Command> commands) {
  public static final Batch NOOP = new Batch(List.of());

  public Batch {
    commands = List.copyOf(commands);
  }

  public boolean isNoop() {
    return commands.isEmpty();
  }

  public int bytes() {
    int total = 0;
    for (Command c : commands) {
      total += c.size();
    }
    return total;
  }
}
