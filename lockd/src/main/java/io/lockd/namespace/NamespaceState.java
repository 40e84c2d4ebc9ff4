package io.lockd.namespace;

/**
 * Everything the namespace replicates, in one place: the tables and the counters that hand out ids.
 * The operations read and change it; {@link SnapshotCodec} writes and rebuilds it whole.
 *
 * <p>The counters only grow. {@code appliedIndex} counts applied commands and is the index every
 * event and result carries; {@code clockMillis} is the largest leader time seen.
 */
final class NamespaceState {
  /** Instance number of the root; later nodes get larger ones. */
  static final long ROOT_INSTANCE = 1;

  final NamespaceLimits limits;
  final NodeTree nodes;
  final LockTable locks = new LockTable();
  final SessionTable sessions = new SessionTable();
  final WatchTable watches = new WatchTable();

  long appliedIndex;
  long lastSlot;
  long clockMillis;
  long lastInstance;
  long lastSessionId;
  long lastLockGeneration;

  /** A fresh namespace holding only the root. */
  NamespaceState(NamespaceLimits limits) {
    this(limits, ROOT_INSTANCE);
    lastInstance = ROOT_INSTANCE;
  }

  /** An empty namespace whose root has {@code rootInstance}, for a snapshot to fill. */
  NamespaceState(NamespaceLimits limits, long rootInstance) {
    this.limits = limits;
    this.nodes = new NodeTree(rootInstance);
  }

  /** Moves the clock to {@code leaderTimeMillis} if that is later; time never goes back. */
  void advanceClock(long leaderTimeMillis) {
    clockMillis = Math.max(clockMillis, leaderTimeMillis);
  }

  long nextInstance() {
    return ++lastInstance;
  }

  long nextSessionId() {
    return ++lastSessionId;
  }

  long nextLockGeneration() {
    return ++lastLockGeneration;
  }
}
