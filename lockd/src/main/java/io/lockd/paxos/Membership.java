package io.lockd.paxos;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One configuration of the cell: every member with its addresses, each a voter or a learner. Only
 * voters count in quorums (phase 1, phase 2, leases, pre-votes); learners receive the log and are
 * promoted once caught up. A change is chosen through the log as a {@link Command} that carries the
 * whole next configuration (see docs/consensus.md, "Membership change").
 *
 * <p>It also carries every id ever removed ({@code retired}): a replica's ballots are unique only
 * because its promise is durable, so an id that left must never be added or heard again, and the
 * only record every replica shares, snapshots included, is the configuration itself.
 */
public record Membership(SortedMap<Integer, Member> members, SortedSet<Integer> retired) {
  /**
   * A configuration chosen at slot i governs slots from i + ALPHA on. The leader never proposes a
   * slot above its chosen index + ALPHA, so it always knows the configuration of what it proposes.
   */
  public static final long ALPHA = 64;

  /** The fewest voters a removal may leave: below three, one failure stops the cell. */
  public static final int MIN_VOTERS = 3;

  /** Payloads of configuration commands start with these bytes; no protobuf message can. */
  private static final byte[] MAGIC = {(byte) 0xFF, 'M', 'E', 'M'};

  /** Version 1 had no retired ids; version 2 lists them after the members. */
  private static final int VERSION_1 = 1;

  private static final int VERSION = 2;

  private static final int MAX_MEMBERS = 1 << 10;

  private static final int MAX_RETIRED = 1 << 16;

  /** A member: its id, whether it votes, and where peers and clients reach it (may be empty). */
  public record Member(int id, boolean voter, String peerAddress, String clientAddress) {
    public Member {
      peerAddress = peerAddress == null ? "" : peerAddress;
      clientAddress = clientAddress == null ? "" : clientAddress;
    }

    Member asVoter() {
      return new Member(id, true, peerAddress, clientAddress);
    }
  }

  public Membership {
    members = new TreeMap<>(members);
    retired = new TreeSet<>(retired);
  }

  /** A configuration from which no member was ever removed. */
  public Membership(SortedMap<Integer, Member> members) {
    this(members, new TreeSet<>());
  }

  /** True if {@code id} was a member once and was removed: it may never come back. */
  public boolean wasRemoved(int id) {
    return retired.contains(id);
  }

  /** The configuration at slot 0: these ids, all voters, addresses unknown to the core. */
  public static Membership ofVoters(Collection<Integer> ids) {
    TreeMap<Integer, Member> m = new TreeMap<>();
    for (int id : ids) {
      m.put(id, new Member(id, true, "", ""));
    }
    return new Membership(m);
  }

  public List<Integer> voters() {
    List<Integer> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.voter()) {
        out.add(m.id());
      }
    }
    return out;
  }

  public List<Integer> learners() {
    List<Integer> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.voter()) {
        out.add(m.id());
      }
    }
    return out;
  }

  public boolean contains(int id) {
    return members.containsKey(id);
  }

  public boolean isVoter(int id) {
    Member m = members.get(id);
    return m != null && m.voter();
  }

  public int majority() {
    return voters().size() / 2 + 1;
  }

  /** True if the voters among {@code ids} are a majority of this configuration's voters. */
  public boolean isQuorum(Collection<Integer> ids) {
    int count = 0;
    for (int id : ids) {
      if (isVoter(id)) {
        count++;
      }
    }
    return count >= majority();
  }

  Membership with(Member m) {
    TreeMap<Integer, Member> next = new TreeMap<>(members);
    next.put(m.id(), m);
    return new Membership(next, retired);
  }

  Membership without(int id) {
    TreeMap<Integer, Member> next = new TreeMap<>(members);
    next.remove(id);
    TreeSet<Integer> gone = new TreeSet<>(retired);
    gone.add(id);
    return new Membership(next, gone);
  }

  // ---- as a command ---------------------------------------------------------------------------

  /** True if {@code c} is a configuration command rather than a state-machine command. */
  public static boolean isCommand(Command c) {
    byte[] p = c.payloadUnsafe();
    if (p.length < MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (p[i] != MAGIC[i]) {
        return false;
      }
    }
    return p.length > MAGIC.length && (p[MAGIC.length] == VERSION || p[MAGIC.length] == VERSION_1);
  }

  /** The command that makes this the configuration; {@code id} answers the proposer. */
  public Command toCommand(long id) {
    return new Command(id, encode());
  }

  /** The configuration a command carries, or null if it is not a readable configuration command. */
  public static Membership fromCommand(Command c) {
    if (!isCommand(c)) {
      return null;
    }
    return decode(new WireBytes.Reader(c.payloadUnsafe(), 0));
  }

  byte[] encode() {
    WireBytes.Writer w = new WireBytes.Writer().bytes(MAGIC).u8(VERSION).i32(members.size());
    for (Member m : members.values()) {
      w.i32(m.id()).u8(m.voter() ? 1 : 0).string(m.peerAddress()).string(m.clientAddress());
    }
    w.i32(retired.size());
    for (int id : retired) {
      w.i32(id);
    }
    return w.toArray();
  }

  /** Reads one configuration at the reader's position; null if it is not one. */
  static Membership decode(WireBytes.Reader r) {
    try {
      for (byte m : MAGIC) {
        if ((byte) r.u8() != m) {
          return null;
        }
      }
      int version = r.u8();
      if (version != VERSION && version != VERSION_1) {
        return null;
      }
      int n = r.i32();
      if (n < 0 || n > MAX_MEMBERS) {
        return null;
      }
      TreeMap<Integer, Member> members = new TreeMap<>();
      for (int k = 0; k < n; k++) {
        int id = r.i32();
        boolean voter = r.u8() == 1;
        members.put(id, new Member(id, voter, r.string(), r.string()));
      }
      TreeSet<Integer> retired = new TreeSet<>();
      int gone = version == VERSION_1 ? 0 : r.i32();
      if (gone < 0 || gone > MAX_RETIRED) {
        return null;
      }
      for (int k = 0; k < gone; k++) {
        retired.add(r.i32());
      }
      return new Membership(members, retired);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{voters=").append(voters());
    if (!learners().isEmpty()) {
      s.append(" learners=").append(learners());
    }
    if (!retired.isEmpty()) {
      s.append(" removed=").append(retired);
    }
    return s.append('}').toString();
  }

  /** For the status pages: members in id order. */
  public List<Member> list() {
    return List.copyOf(members.values());
  }
}
