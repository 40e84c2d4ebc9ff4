package io.lockd.namespace;

import io.lockd.proto.ns.v1.LimitsRecord;

/**
 * Every bound the namespace enforces. A command that would pass one fails with a message naming the
 * limit and its value, and changes nothing.
 *
 * <p>All replicas of a cell must use equal limits: a command that fits under one replica's limits
 * and not under another's would make them diverge. Replicas compare their limits in the peer
 * handshake (with the other settings the cell must share, {@code LockdConfig.cellSettings}) and
 * refuse a peer with others; the snapshot records the limits and {@link Namespace#restore} refuses
 * a snapshot taken under other limits.
 *
 * <p>Each limit bounds one dimension. The snapshot is one byte array (below 2 GiB), which the
 * product of several limits at their maximum would exceed; the defaults are sized for ordinary
 * coordination data (small files, short paths), and a cell that approaches several limits at once
 * should lower them.
 *
 * @param maxContentBytes largest contents of one file
 * @param maxTotalContentBytes largest sum of the contents of all files
 * @param maxPathBytes longest path, in UTF-8 bytes
 * @param maxPathDepth most components in a path
 * @param maxChildrenPerDirectory most children of one directory
 * @param maxNodes most nodes, the root not counted
 * @param maxSessions most sessions at once
 * @param maxWaitersPerLock most queued acquires on one lock
 * @param maxEventsPerSession most events buffered for one session (older ones are dropped and the
 *     session's client gets a RESYNC)
 * @param maxWatchesPerSession most watches of one session
 * @param maxLockDelayMillis largest lock-delay a node may ask for (at most {@link
 *     #LOCK_DELAY_CAP_MILLIS})
 * @param lockDelayDefaultMillis lock-delay of nodes created without one
 * @param minLeaseMillis shortest session lease granted
 * @param maxLeaseMillis longest session lease granted
 * @param leaseDefaultMillis lease granted when the client asks for none
 * @param maxWaitMillis longest time an acquire may wait in a queue
 * @param maxClientNameBytes longest client name, in UTF-8 bytes
 * @param sequenceWindow how far a request's sequence number may be above its session's last applied
 *     one ({@link #SEQUENCE_WINDOW_DEFAULT})
 */
public record NamespaceLimits(
    int maxContentBytes,
    long maxTotalContentBytes,
    int maxPathBytes,
    int maxPathDepth,
    int maxChildrenPerDirectory,
    int maxNodes,
    int maxSessions,
    int maxWaitersPerLock,
    int maxEventsPerSession,
    int maxWatchesPerSession,
    long maxLockDelayMillis,
    long lockDelayDefaultMillis,
    long minLeaseMillis,
    long maxLeaseMillis,
    long leaseDefaultMillis,
    long maxWaitMillis,
    int maxClientNameBytes,
    long sequenceWindow) {

  /**
   * The largest contents any configuration may allow: a file's contents and stat must fit in one
   * answer under gRPC's default 4 MiB receive limit (grpc-java's and grpc-js's), with room for the
   * stat's path.
   */
  public static final int CONTENT_BYTES_CAP = (4 << 20) - (64 << 10);

  /** The longest path any configuration may allow, so that a page of names stays small. */
  public static final int PATH_BYTES_CAP = 32 << 10;

  /** The longest client name any configuration may allow, for the same reason. */
  public static final int CLIENT_NAME_BYTES_CAP = 4 << 10;

  /** Chubby's bound on lock-delay: no configuration may allow more. */
  public static final long LOCK_DELAY_CAP_MILLIS = 60_000;

  /**
   * The default {@link #sequenceWindow}. A well-behaved client moves one number at a time (one
   * mutating request outstanding per session), but every request refused before the log (a
   * malformed path, oversized contents) leaves a gap, and a client that keeps sending such requests
   * moves further ahead with each. The window must outlast any such run, or it would lock a client
   * out of its own session, which is what it exists to prevent: 2^32 does, and still refuses a wild
   * number (2^64-1, a negative number sent unsigned, another session's id) and needs 2^32 applied
   * requests to walk a session to the end of the number space.
   */
  public static final long SEQUENCE_WINDOW_DEFAULT = 1L << 32;

  // The defaults, one constant each (LockdConfig and the daemon's options refer to them).
  public static final int CONTENT_BYTES_MAX_DEFAULT = 256 * 1024;
  public static final long TOTAL_CONTENT_BYTES_MAX_DEFAULT = 256L * 1024 * 1024;
  public static final int PATH_BYTES_MAX_DEFAULT = 1024;
  public static final int PATH_DEPTH_MAX_DEFAULT = 64;
  public static final int CHILDREN_PER_DIRECTORY_MAX_DEFAULT = 10_000;
  public static final int NODES_MAX_DEFAULT = 200_000;

  /**
   * Issue 13: a cell must hold 100,000 sessions; twice that is the guard against runaway clients.
   */
  public static final int SESSIONS_MAX_DEFAULT = 200_000;

  public static final int WAITERS_PER_LOCK_MAX_DEFAULT = 1_000;
  public static final int EVENTS_PER_SESSION_MAX_DEFAULT = 256;
  public static final int WATCHES_PER_SESSION_MAX_DEFAULT = 256;
  public static final long LOCK_DELAY_MAX_MILLIS_DEFAULT = LOCK_DELAY_CAP_MILLIS;
  public static final long LOCK_DELAY_MILLIS_DEFAULT = 10_000;
  public static final long LEASE_MIN_MILLIS_DEFAULT = 1_000;
  public static final long LEASE_MAX_MILLIS_DEFAULT = 60_000;
  public static final long LEASE_MILLIS_DEFAULT = 12_000;
  public static final long WAIT_MAX_MILLIS_DEFAULT = 3_600_000;
  public static final int CLIENT_NAME_BYTES_MAX_DEFAULT = 256;

  /** A bound on any duration the namespace adds to its clock, so that sums cannot overflow. */
  public static final long DURATION_CAP_MILLIS = 366L * 24 * 3600 * 1000;

  public NamespaceLimits {
    within("maxContentBytes", maxContentBytes, 1, CONTENT_BYTES_CAP);
    positive("maxTotalContentBytes", maxTotalContentBytes);
    atLeast("maxTotalContentBytes", maxTotalContentBytes, maxContentBytes);
    within("maxPathBytes", maxPathBytes, 2, PATH_BYTES_CAP);
    positive("maxPathDepth", maxPathDepth);
    positive("maxChildrenPerDirectory", maxChildrenPerDirectory);
    positive("maxNodes", maxNodes);
    positive("maxSessions", maxSessions);
    positive("maxWaitersPerLock", maxWaitersPerLock);
    positive("maxEventsPerSession", maxEventsPerSession);
    positive("maxWatchesPerSession", maxWatchesPerSession);
    within("maxLockDelayMillis", maxLockDelayMillis, 0, LOCK_DELAY_CAP_MILLIS);
    within("lockDelayDefaultMillis", lockDelayDefaultMillis, 0, maxLockDelayMillis);
    within("minLeaseMillis", minLeaseMillis, 1, DURATION_CAP_MILLIS);
    within("maxLeaseMillis", maxLeaseMillis, minLeaseMillis, DURATION_CAP_MILLIS);
    within("leaseDefaultMillis", leaseDefaultMillis, minLeaseMillis, maxLeaseMillis);
    within("maxWaitMillis", maxWaitMillis, 1, DURATION_CAP_MILLIS);
    within("maxClientNameBytes", maxClientNameBytes, 1, CLIENT_NAME_BYTES_CAP);
    positive("sequenceWindow", sequenceWindow);
  }

  /** The defaults: the limits named in DESIGN.md and sizes for ordinary coordination data. */
  public static NamespaceLimits defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    return new Builder(toRecord());
  }

  LimitsRecord toRecord() {
    return LimitsRecord.newBuilder()
        .setContentBytesMax(maxContentBytes)
        .setTotalContentBytesMax(maxTotalContentBytes)
        .setPathBytesMax(maxPathBytes)
        .setPathDepthMax(maxPathDepth)
        .setChildrenPerDirectoryMax(maxChildrenPerDirectory)
        .setNodesMax(maxNodes)
        .setSessionsMax(maxSessions)
        .setWaitersPerLockMax(maxWaitersPerLock)
        .setEventsPerSessionMax(maxEventsPerSession)
        .setWatchesPerSessionMax(maxWatchesPerSession)
        .setLockDelayMaxMillis(maxLockDelayMillis)
        .setLockDelayDefaultMillis(lockDelayDefaultMillis)
        .setLeaseMinMillis(minLeaseMillis)
        .setLeaseMaxMillis(maxLeaseMillis)
        .setLeaseDefaultMillis(leaseDefaultMillis)
        .setWaitMaxMillis(maxWaitMillis)
        .setClientNameBytesMax(maxClientNameBytes)
        .setSequenceWindow(sequenceWindow)
        .build();
  }

  private static void positive(String name, long value) {
    atLeast(name, value, 1);
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
    }
  }

  private static void within(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be within [" + min + ", " + max + "], was " + value);
    }
  }

  /** Sets limits one by one; {@link #build} validates them together. */
  public static final class Builder {
    private final LimitsRecord.Builder record;

    private Builder() {
      this(
          LimitsRecord.newBuilder()
              .setContentBytesMax(CONTENT_BYTES_MAX_DEFAULT)
              .setTotalContentBytesMax(TOTAL_CONTENT_BYTES_MAX_DEFAULT)
              .setPathBytesMax(PATH_BYTES_MAX_DEFAULT)
              .setPathDepthMax(PATH_DEPTH_MAX_DEFAULT)
              .setChildrenPerDirectoryMax(CHILDREN_PER_DIRECTORY_MAX_DEFAULT)
              .setNodesMax(NODES_MAX_DEFAULT)
              .setSessionsMax(SESSIONS_MAX_DEFAULT)
              .setWaitersPerLockMax(WAITERS_PER_LOCK_MAX_DEFAULT)
              .setEventsPerSessionMax(EVENTS_PER_SESSION_MAX_DEFAULT)
              .setWatchesPerSessionMax(WATCHES_PER_SESSION_MAX_DEFAULT)
              .setLockDelayMaxMillis(LOCK_DELAY_MAX_MILLIS_DEFAULT)
              .setLockDelayDefaultMillis(LOCK_DELAY_MILLIS_DEFAULT)
              .setLeaseMinMillis(LEASE_MIN_MILLIS_DEFAULT)
              .setLeaseMaxMillis(LEASE_MAX_MILLIS_DEFAULT)
              .setLeaseDefaultMillis(LEASE_MILLIS_DEFAULT)
              .setWaitMaxMillis(WAIT_MAX_MILLIS_DEFAULT)
              .setClientNameBytesMax(CLIENT_NAME_BYTES_MAX_DEFAULT)
              .setSequenceWindow(SEQUENCE_WINDOW_DEFAULT)
              .build());
    }

    private Builder(LimitsRecord from) {
      this.record = from.toBuilder();
    }

    public Builder maxContentBytes(int v) {
      record.setContentBytesMax(v);
      return this;
    }

    public Builder maxTotalContentBytes(long v) {
      record.setTotalContentBytesMax(v);
      return this;
    }

    public Builder maxPathBytes(int v) {
      record.setPathBytesMax(v);
      return this;
    }

    public Builder maxPathDepth(int v) {
      record.setPathDepthMax(v);
      return this;
    }

    public Builder maxChildrenPerDirectory(int v) {
      record.setChildrenPerDirectoryMax(v);
      return this;
    }

    public Builder maxNodes(int v) {
      record.setNodesMax(v);
      return this;
    }

    public Builder maxSessions(int v) {
      record.setSessionsMax(v);
      return this;
    }

    public Builder maxWaitersPerLock(int v) {
      record.setWaitersPerLockMax(v);
      return this;
    }

    public Builder maxEventsPerSession(int v) {
      record.setEventsPerSessionMax(v);
      return this;
    }

    public Builder maxWatchesPerSession(int v) {
      record.setWatchesPerSessionMax(v);
      return this;
    }

    public Builder maxLockDelayMillis(long v) {
      record.setLockDelayMaxMillis(v);
      return this;
    }

    public Builder lockDelayDefaultMillis(long v) {
      record.setLockDelayDefaultMillis(v);
      return this;
    }

    public Builder minLeaseMillis(long v) {
      record.setLeaseMinMillis(v);
      return this;
    }

    public Builder maxLeaseMillis(long v) {
      record.setLeaseMaxMillis(v);
      return this;
    }

    public Builder leaseDefaultMillis(long v) {
      record.setLeaseDefaultMillis(v);
      return this;
    }

    public Builder maxWaitMillis(long v) {
      record.setWaitMaxMillis(v);
      return this;
    }

    public Builder maxClientNameBytes(int v) {
      record.setClientNameBytesMax(v);
      return this;
    }

    public Builder sequenceWindow(long v) {
      record.setSequenceWindow(v);
      return this;
    }

    /** Validates and returns the limits; IllegalArgumentException names the first bad one. */
    public NamespaceLimits build() {
      return fromRecord(record.build());
    }
  }

  static NamespaceLimits fromRecord(LimitsRecord r) {
    return new NamespaceLimits(
        r.getContentBytesMax(),
        r.getTotalContentBytesMax(),
        r.getPathBytesMax(),
        r.getPathDepthMax(),
        r.getChildrenPerDirectoryMax(),
        r.getNodesMax(),
        r.getSessionsMax(),
        r.getWaitersPerLockMax(),
        r.getEventsPerSessionMax(),
        r.getWatchesPerSessionMax(),
        r.getLockDelayMaxMillis(),
        r.getLockDelayDefaultMillis(),
        r.getLeaseMinMillis(),
        r.getLeaseMaxMillis(),
        r.getLeaseDefaultMillis(),
        r.getWaitMaxMillis(),
        r.getClientNameBytesMax(),
        r.getSequenceWindow());
  }
}
