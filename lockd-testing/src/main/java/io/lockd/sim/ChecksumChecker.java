package io.lockd.sim;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * State agreement: replicas that applied the same slots hold the same state. After every step it
 * compares the namespace checksums of the running replicas at equal applied slots. A checksum is
 * taken again only when a replica's namespace changed (applies and restores count, see {@link
 * LockHost#version}), so the check stays cheap enough for every step.
 */
public final class ChecksumChecker {
  private final Map<LockHost, long[]> taken = new IdentityHashMap<>(); // {version, checksum}

  /** Throws {@link Violation} if two running replicas at one applied slot hold different states. */
  public void check(List<SimReplica> replicas) {
    Map<Long, long[]> bySlot = new TreeMap<>(); // slot -> {replica, checksum}
    for (SimReplica r : replicas) {
      if (!r.isUp() || !(r.host() instanceof LockHost host)) {
        continue;
      }
      long slot = r.replica().appliedIndex();
      long checksum = checksum(host);
      long[] other = bySlot.putIfAbsent(slot, new long[] {r.id, checksum});
      if (other != null && other[1] != checksum) {
        throw new Violation(
            String.format(
                "state: replicas %d and %d applied every slot up to %d"
                    + " but their states differ (checksums %016x and %016x)",
                other[0], r.id, slot, other[1], checksum));
      }
    }
    if (taken.size() > 4 * replicas.size()) {
      taken.clear(); // hosts of crashed processes
    }
  }

  private long checksum(LockHost host) {
    long[] last = taken.get(host);
    if (last == null || last[0] != host.version()) {
      last = new long[] {host.version(), host.namespace().stateChecksum()};
      taken.put(host, last);
    }
    return last[1];
  }
}
