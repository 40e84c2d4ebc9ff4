package io.lockd.namespace;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * One client session: its lease, its exactly-once record (the last sequence number applied, the
 * fingerprint of the request it was applied to, and the encoded answer), its event buffer, and
 * indexes of what it owns (ephemeral nodes, held and awaited locks, watches) so that ending it
 * touches only its own things.
 *
 * <p>An idle session must stay small (DESIGN.md aims under 1 KiB), so the sets are allocated only
 * when first used and dropped again when empty.
 */
final class Session {
  final long id;
  final String clientName;

  /** The identity that created it (empty: anonymous); only it may send the session's commands. */
  final String creator;

  final long leaseMillis;
  final long createdMillis;

  /** Created with cache = true: a new leader waits for it to flush before acknowledging writes. */
  final boolean caching;

  final EventBuffer events = new EventBuffer();

  private long loggedDeadlineMillis;
  private long lastSequence;
  private long lastFingerprint = RequestFingerprint.UNKNOWN;
  private ByteString lastResult = ByteString.EMPTY;
  private TreeSet<String> ephemerals;
  private TreeSet<String> heldLocks;
  private TreeSet<String> waitingLocks;
  private TreeSet<WatchKey> watches;

  Session(
      long id,
      String clientName,
      String creator,
      long leaseMillis,
      long createdMillis,
      long loggedDeadline,
      boolean caching) {
    this.id = id;
    this.caching = caching;
    this.clientName = clientName;
    this.creator = creator;
    this.leaseMillis = leaseMillis;
    this.createdMillis = createdMillis;
    this.loggedDeadlineMillis = loggedDeadline;
  }

  /**
   * The leader time before which the log guarantees the session is alive: creation or the last
   * grace extension, plus lease. KeepAlives extend the leader's own deadline beyond it.
   */
  long loggedDeadlineMillis() {
    return loggedDeadlineMillis;
  }

  void extendLoggedDeadline(long atLeastMillis) {
    loggedDeadlineMillis = Math.max(loggedDeadlineMillis, atLeastMillis);
  }

  long lastSequence() {
    return lastSequence;
  }

  ByteString lastResult() {
    return lastResult;
  }

  long lastFingerprint() {
    return lastFingerprint;
  }

  /**
   * Whether the remembered answer belongs to the request with this fingerprint. A record restored
   * from a snapshot older than fingerprints cannot tell, and answers as it always did.
   */
  boolean remembers(long fingerprint) {
    return lastFingerprint == fingerprint || lastFingerprint == RequestFingerprint.UNKNOWN;
  }

  void remember(long sequence, long fingerprint, ByteString result) {
    lastSequence = sequence;
    lastFingerprint = fingerprint;
    lastResult = result;
  }

  NavigableSet<String> ephemerals() {
    return view(ephemerals);
  }

  NavigableSet<String> heldLocks() {
    return view(heldLocks);
  }

  NavigableSet<String> waitingLocks() {
    return view(waitingLocks);
  }

  NavigableSet<WatchKey> watches() {
    return view(watches);
  }

  void addEphemeral(String path) {
    ephemerals = added(ephemerals, path);
  }

  void removeEphemeral(String path) {
    ephemerals = removed(ephemerals, path);
  }

  void addHeld(String path) {
    heldLocks = added(heldLocks, path);
  }

  void removeHeld(String path) {
    heldLocks = removed(heldLocks, path);
  }

  void addWaiting(String path) {
    waitingLocks = added(waitingLocks, path);
  }

  void removeWaiting(String path) {
    waitingLocks = removed(waitingLocks, path);
  }

  void addWatch(WatchKey key) {
    watches = added(watches, key);
  }

  void removeWatch(WatchKey key) {
    watches = removed(watches, key);
  }

  private static <T> NavigableSet<T> view(TreeSet<T> set) {
    return set == null
        ? Collections.emptyNavigableSet()
        : Collections.unmodifiableNavigableSet(set);
  }

  private static <T> TreeSet<T> added(TreeSet<T> set, T value) {
    TreeSet<T> s = set == null ? new TreeSet<>() : set;
    s.add(value);
    return s;
  }

  private static <T> TreeSet<T> removed(TreeSet<T> set, T value) {
    if (set == null) {
      return null;
    }
    set.remove(value);
    return set.isEmpty() ? null : set;
  }
}
