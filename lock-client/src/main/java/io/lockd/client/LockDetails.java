package io.lockd.client;

import io.lockd.proto.v1.LockInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A node's lock as the cell sees it at one instant: who holds it and in which mode, who waits for
 * it in FIFO order, the generation of the last grant, and the lock-delay left after a holder's
 * session expired. A snapshot: it may be out of date as soon as it is returned, so decide on a
 * {@link Sequencer}, never on this.
 *
 * <pre>{@code
 * LockDetails lock = client.lockInfo("/jobs/nightly");
 * for (LockDetails.Holder h : lock.holders()) {
 *   System.out.println(h.clientName() + " holds it since " + h.granted());
 * }
 * System.out.println(lock.waiters().size() + " waiting, generation " + lock.generation());
 * }</pre>
 *
 * @param path the lock's node
 * @param instance the node's instance number
 * @param generation the lock generation of the latest grant (0 if never granted)
 * @param mode how it is held now; null while it is free
 * @param holders the current holders (one for EXCLUSIVE, any number for SHARED)
 * @param waiters the queued acquires, first to be served first
 * @param lockDelay the node's lock-delay (applies when a holder's session expires)
 * @param lockDelayUntil when the running lock-delay ends (the epoch if none runs)
 * @param lockDelayRemaining the lock-delay left (zero if none runs)
 */
public record LockDetails(
    String path,
    long instance,
    long generation,
    LockMode mode,
    List<Holder> holders,
    List<Waiter> waiters,
    Duration lockDelay,
    Instant lockDelayUntil,
    Duration lockDelayRemaining) {

  public LockDetails {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }

  /** True while nobody holds the lock. */
  public boolean isFree() {
    return holders.isEmpty();
  }

  /**
   * One holder of a lock.
   *
   * <pre>{@code
   * lock.holders().stream().map(LockDetails.Holder::sessionId).toList();
   * }</pre>
   *
   * @param sessionId the holding session
   * @param clientName the name its client gave when it opened the session
   * @param mode the mode it holds
   * @param lockGeneration the generation of its grant (its sequencer's)
   * @param granted when the cell granted it (leader time)
   */
  public record Holder(
      long sessionId, String clientName, LockMode mode, long lockGeneration, Instant granted) {}

  /**
   * One queued acquire of a lock.
   *
   * <pre>{@code
   * LockDetails.Waiter next = lock.waiters().get(0); // served first
   * }</pre>
   *
   * @param sessionId the waiting session
   * @param clientName the name its client gave when it opened the session
   * @param mode the mode it asks for
   * @param enqueued when it was queued (leader time)
   * @param deadline when its wait ends (leader time; the epoch for a wait without end)
   */
  public record Waiter(
      long sessionId, String clientName, LockMode mode, Instant enqueued, Instant deadline) {}

  static LockDetails fromProto(LockInfo l) {
    return new LockDetails(
        l.getPath(),
        l.getInstance(),
        l.getLockGeneration(),
        LockMode.fromProto(l.getMode()),
        l.getHoldersList().stream()
            .map(
                h ->
                    new Holder(
                        h.getSessionId(),
                        h.getClientName(),
                        LockMode.fromProto(h.getMode()),
                        h.getLockGeneration(),
                        Instant.ofEpochMilli(h.getGrantedMillis())))
            .toList(),
        l.getWaitersList().stream()
            .map(
                w ->
                    new Waiter(
                        w.getSessionId(),
                        w.getClientName(),
                        LockMode.fromProto(w.getMode()),
                        Instant.ofEpochMilli(w.getEnqueuedMillis()),
                        Instant.ofEpochMilli(w.getDeadlineMillis())))
            .toList(),
        Duration.ofMillis(l.getLockDelayMillis()),
        Instant.ofEpochMilli(l.getLockDelayUntilMillis()),
        Duration.ofMillis(l.getLockDelayRemainingMillis()));
  }
}
