package io.lockd.paxos;

import java.util.Arrays;

/**
 * A snapshot as the core stores and sends it: the configurations that govern after it in front of
 * the state machine's bytes, so that a replica restarted or caught up from it knows the membership
 * (docs/consensus.md, "Membership change"). A snapshot written before membership changes existed
 * has no header; it is all state.
 */
public final class MembershipSnapshot {
  private static final byte[] MAGIC = {(byte) 0xFF, 'C', 'F', 'G', 1};

  /** The configurations (null if none), and the state machine's bytes (a view, not a copy). */
  public record Parts(byte[] configurations, SnapshotBytes state) {}

  private MembershipSnapshot() {}

  /**
   * The stored form of a snapshot: allocated at its exact size, since the state may be hundreds of
   * megabytes (a growing buffer would copy it twice more).
   */
  public static byte[] wrap(byte[] configurations, byte[] state) {
    byte[] header = header(configurations);
    byte[] out = new byte[header.length + state.length];
    System.arraycopy(header, 0, out, 0, header.length);
    LargeArrays.copy(state, 0, out, header.length, state.length);
    return out;
  }

  /**
   * What comes before the state in the stored form: {@code header(c)} followed by the state's bytes
   * is {@code wrap(c, state)}. An encoder that writes the state right after it makes the stored
   * form without a second array of the state's size.
   */
  public static byte[] header(byte[] configurations) {
    byte[] out = new byte[MAGIC.length + 4 + configurations.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    int n = configurations.length;
    int at = MAGIC.length;
    for (int shift = 24; shift >= 0; shift -= 8) {
      out[at++] = (byte) (n >>> shift); // big-endian, as WireBytes writes it
    }
    System.arraycopy(configurations, 0, out, at, n);
    return out;
  }

  /** Splits a stored or received snapshot; one without the header is all state. */
  public static Parts unwrap(SnapshotBytes snapshot) {
    int fixed = MAGIC.length + 4;
    if (snapshot.size() < fixed) {
      return new Parts(null, snapshot);
    }
    byte[] head = new byte[fixed];
    snapshot.read(0, head, 0, fixed);
    if (!Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return new Parts(null, snapshot);
    }
    int len = new WireBytes.Reader(head, MAGIC.length).i32();
    if (len < 0 || len > snapshot.size() - fixed) {
      return new Parts(null, snapshot);
    }
    byte[] configurations = new byte[len];
    snapshot.read(fixed, configurations, 0, len);
    return new Parts(configurations, snapshot.from(fixed + (long) len));
  }
}
