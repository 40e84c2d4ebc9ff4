package io.lockd.paxos;

import java.util.Arrays;

/**
 * One client command inside a slot's batch. The id is chosen by the replica that accepted the
 * command from its client (unique per cell, see {@code CommandIds}) so that the replica can answer
 * its waiting caller once the command is applied, whichever leader got it chosen. The payload is
 * opaque to consensus.
 */
public final class Command {
  private final long id;
  private final byte[] payload;

  public Command(long id, byte[] payload) {
    this.id = id;
    this.payload = payload.clone();
  }

  public long id() {
    return id;
  }

  public byte[] payload() {
    return payload.clone();
  }

  public int size() {
    return payload.length;
  }

  /** The payload without a defensive copy, for serializers that only read it. */
  byte[] payloadUnsafe() {
    return payload;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Command c && c.id == id && Arrays.equals(c.payload, payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Command{" + id + ", " + payload.length + "B}";
  }
}
