package io.lockd.client;

import io.lockd.proto.v1.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One session of the cell as the leader sees it: whose it is, its lease, and what it holds, waits
 * for and watches. Listed by {@link AdminClient#sessions}.
 *
 * <pre>{@code
 * for (SessionSummary s : client.admin().sessions()) {
 *   if (s.clientName().startsWith("batch-") && s.heldLockCount() > 0) {
 *     System.out.println(s.sessionId() + " holds " + s.heldLocks());
 *   }
 * }
 * }</pre>
 *
 * @param sessionId the session's id
 * @param clientName the name its client gave when it opened the session
 * @param lease the session's lease
 * @param created when it was opened (leader time)
 * @param loggedDeadline the lease deadline last written to the log (leader time); KeepAlives extend
 *     the live deadline on the leader without logging it
 * @param lastSequence the sequence number of its last mutating request
 * @param ephemeralNodes how many ephemeral nodes it owns
 * @param heldLocks the paths of the locks it holds (may list fewer than {@code heldLockCount})
 * @param waitingLocks the paths of the locks it waits for (may list fewer than {@code
 *     waitingLockCount})
 * @param watches how many watches it has
 * @param bufferedEvents how many events wait for its client
 * @param caching whether its client keeps a consistent cache
 * @param heldLockCount how many locks it holds
 * @param waitingLockCount how many locks it waits for
 * @param creator the identity that created it (empty: anonymous); only it may use the session
 */
public record SessionSummary(
    long sessionId,
    String clientName,
    Duration lease,
    Instant created,
    Instant loggedDeadline,
    long lastSequence,
    int ephemeralNodes,
    List<String> heldLocks,
    List<String> waitingLocks,
    int watches,
    int bufferedEvents,
    boolean caching,
    int heldLockCount,
    int waitingLockCount,
    String creator) {

  public SessionSummary {
    heldLocks = List.copyOf(heldLocks);
    waitingLocks = List.copyOf(waitingLocks);
  }

  static SessionSummary fromProto(SessionInfo s) {
    return new SessionSummary(
        s.getSessionId(),
        s.getClientName(),
        Duration.ofMillis(s.getLeaseMillis()),
        Instant.ofEpochMilli(s.getCreatedMillis()),
        Instant.ofEpochMilli(s.getLoggedDeadlineMillis()),
        s.getLastSequence(),
        s.getEphemeralNodes(),
        s.getHeldLocksList(),
        s.getWaitingLocksList(),
        s.getWatches(),
        s.getBufferedEvents(),
        s.getCaching(),
        s.getHeldLockCount(),
        s.getWaitingLockCount(),
        s.getCreator());
  }
}
