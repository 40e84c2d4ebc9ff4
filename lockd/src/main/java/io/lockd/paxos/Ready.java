package io.lockd.paxos;

import java.util.List;

/**
 * What the core asks its driver to do after a round of inputs, in this order:
 *
 * <ol>
 *   <li>hand {@link #writes} to storage (they become durable asynchronously, as one group);
 *   <li>send {@link #sendNow} at once: these do not depend on the writes;
 *   <li>send {@link #sendAfterDurable} only once every write up to and including token {@link
 *       #durableToken} is durable: promises and acceptances that must not be forgotten;
 *   <li>install {@link #snapshot} if present, then apply {@link #chosen} in order;
 *   <li>fail the callers of {@link #abandoned} commands: this replica will not propose them;
 *   <li>if {@link #snapshotWanted}, snapshot the state machine now and tell the core ({@code
 *       PaxosNode.snapshotTaken}): a peer asked for a fresh snapshot to rebuild itself from.
 * </ol>
 *
 * Messages addressed to this replica itself are part of the lists; the driver delivers them back to
 * the core (after durability where the list says so).
 */
public record Ready(
    List<StoreWrite> writes,
    long durableToken,
    List<Message> sendNow,
    List<Message> sendAfterDurable,
    InstalledSnapshot snapshot,
    List<Entry> chosen,
    List<Command> abandoned,
    boolean snapshotWanted) {

  /** A snapshot received from a peer that replaces the state machine up to {@code index}. */
  public record InstalledSnapshot(long index, byte[] state) {}

  public Ready {
    writes = List.copyOf(writes);
    sendNow = List.copyOf(sendNow);
    sendAfterDurable = List.copyOf(sendAfterDurable);
    chosen = List.copyOf(chosen);
    abandoned = List.copyOf(abandoned);
  }

  public boolean isEmpty() {
    return writes.isEmpty()
        && sendNow.isEmpty()
        && sendAfterDurable.isEmpty()
        && snapshot == null
        && chosen.isEmpty()
        && abandoned.isEmpty()
        && !snapshotWanted;
  }
}
