package io.lockd.paxos;

import io.lockd.invariant.Invariants;

/** A value accepted for a slot at a ballot. Slots start at 1; slot 0 means "none". */
public record Entry(long slot, long ballot, Batch value) {
  public Entry {
    Invariants.check(slot >= 1, "slot must be >= 1, was %d", slot);
    Invariants.check(value != null, "entry value must not be null");
  }
}
