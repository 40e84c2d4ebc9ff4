package io.lockd.paxos;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One configuration of the cell: every member with its addresses, each a voter or a learner. Only
 * voters count in quorums (phase 1, phase 2, leases, pre-votes); learners receive the log and are
 * promoted once caught up. A change is chosen through the log as a {@link Command} that carries the
 * whole next configuration (see docs/consensus.md, "Membership change").
 */
public record Membership(SortedMap<Integer, Member> members) {
  /**
   * A configuration chosen at slot i governs slots from i + ALPHA on. The leader never proposes a
   * slot above its chosen index + ALPHA, so it always knows the configuration of what it proposes.
   */
  public static final long ALPHA = 64;

  /** The fewest voters a removal may leave: below three, one failure stops the cell. */
  public static final int MIN_VOTERS = 3;

  /** Payloads of configuration commands start with these bytes; no protobuf message can. */
  private static final byte[] MAGIC = {(byte) 0xFF, 'M', 'E', 'M', 1};

  private static final int MAX_MEMBERS = 1 << 10;

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
    return new Membership(next);
  }

  Membership without(int id) {
    TreeMap<Integer, Member> next = new TreeMap<>(members);
    next.remove(id);
    return new Membership(next);
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
    return true;
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
    return decode(ByteBuffer.wrap(c.payloadUnsafe()));
  }

  byte[] encode() {
    List<byte[]> parts = new ArrayList<>();
    int size = MAGIC.length + 4;
    for (Member m : members.values()) {
      byte[] peer = m.peerAddress().getBytes(StandardCharsets.UTF_8);
      byte[] client = m.clientAddress().getBytes(StandardCharsets.UTF_8);
      parts.add(peer);
      parts.add(client);
      size += 4 + 1 + 4 + peer.length + 4 + client.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC).putInt(members.size());
    int i = 0;
    for (Member m : members.values()) {
      b.putInt(m.id()).put((byte) (m.voter() ? 1 : 0));
      byte[] peer = parts.get(i++);
      byte[] client = parts.get(i++);
      b.putInt(peer.length).put(peer).putInt(client.length).put(client);
    }
    return b.array();
  }

  /** Reads one configuration at the buffer's position; null if it is not one. */
  static Membership decode(ByteBuffer b) {
    try {
      for (byte m : MAGIC) {
        if (b.get() != m) {
          return null;
        }
      }
      int n = b.getInt();
      if (n < 0 || n > MAX_MEMBERS) {
        return null;
      }
      TreeMap<Integer, Member> members = new TreeMap<>();
      for (int k = 0; k < n; k++) {
        int id = b.getInt();
        boolean voter = b.get() == 1;
        String peer = string(b);
        String client = string(b);
        if (peer == null || client == null) {
          return null;
        }
        members.put(id, new Member(id, voter, peer, client));
      }
      return new Membership(members);
    } catch (BufferUnderflowException e) {
      return null;
    }
  }

  private static String string(ByteBuffer b) {
    int len = b.getInt();
    if (len < 0 || len > b.remaining()) {
      return null;
    }
    byte[] bytes = new byte[len];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{voters=").append(voters());
    if (!learners().isEmpty()) {
      s.append(" learners=").append(learners());
    }
    return s.append('}').toString();
  }

  /** For the status pages: members in id order. */
  public List<Member> list() {
    return List.copyOf(members.values());
  }
}
