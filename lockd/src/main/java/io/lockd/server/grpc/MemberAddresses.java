package io.lockd.server.grpc;

import io.lockd.paxos.Membership;
import io.lockd.proto.v1.Member;
import io.lockd.server.MembershipAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where the members of a configuration are reached. A configuration chosen through the log carries
 * every member's addresses; the one the cell started with carries none (the core knows only ids),
 * so those come from the options ({@code --member}) this replica was started with.
 */
final class MemberAddresses {
  private final SortedMap<Integer, String> peers;
  private final SortedMap<Integer, String> clients;

  MemberAddresses(Map<Integer, String> peers, Map<Integer, String> clients) {
    this.peers = new TreeMap<>(peers);
    this.clients = new TreeMap<>(clients);
  }

  /** Every member's client address by id (empty if neither the log nor the options know it). */
  SortedMap<Integer, String> clients(Membership m) {
    SortedMap<Integer, String> out = new TreeMap<>();
    for (Membership.Member x : m.list()) {
      out.put(
          x.id(),
          x.clientAddress().isEmpty() ? clients.getOrDefault(x.id(), "") : x.clientAddress());
    }
    return out;
  }

  /** {@code members} with the addresses the options know filled in where the log had none. */
  List<Member> fill(List<Member> members) {
    List<Member> out = new ArrayList<>();
    for (Member m : members) {
      Member.Builder b = m.toBuilder();
      if (m.getPeerAddress().isEmpty()) {
        b.setPeerAddress(peers.getOrDefault(m.getId(), ""));
      }
      if (m.getClientAddress().isEmpty()) {
        b.setClientAddress(clients.getOrDefault(m.getId(), ""));
      }
      out.add(b.build());
    }
    return out;
  }

  /** The configuration as protobuf members, addresses filled in. */
  List<Member> members(Membership m) {
    return fill(MembershipAdmin.members(m));
  }
}
