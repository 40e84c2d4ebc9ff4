package io.lockd.paxos;

import io.lockd.paxos.MembershipChange.Refusal;
import io.lockd.paxos.MembershipChange.Refusal.Kind;

/**
 * What a leader accepts as the next membership change (docs/consensus.md, "Membership change"). One
 * change at a time, one replica per change: the voters of two successive configurations then differ
 * by at most one, so a majority of one always meets a majority of the other.
 */
final class MembershipRules {
  /** A learner this many slots or fewer behind the leader's chosen index counts as caught up. */
  static final long CAUGHT_UP_SLOTS = Membership.ALPHA;

  private static final int MAX_ID = (1 << 16) - 1;

  private MembershipRules() {}

  /** The configuration {@code change} leads to from {@code current}; or throws its refusal. */
  static Membership next(
      Membership current, MembershipChange change, boolean settled, long learnerChosen, long chosen)
      throws Refused {
    if (!settled) {
      throw new Refused(
          Kind.FAILED_PRECONDITION,
          "a membership change is already in progress: the previous one must take effect first");
    }
    if (change instanceof MembershipChange.Add a) {
      return add(current, a);
    }
    if (change instanceof MembershipChange.Promote p) {
      Membership.Member m = member(current, p.id());
      if (m.voter()) {
        throw new Refused(Kind.FAILED_PRECONDITION, "replica " + p.id() + " is already a voter");
      }
      if (learnerChosen < 0 || learnerChosen + CAUGHT_UP_SLOTS < chosen) {
        throw new Refused(
            Kind.FAILED_PRECONDITION,
            "learner "
                + p.id()
                + " is not caught up: it has "
                + (learnerChosen < 0 ? "not answered the leader yet" : "chosen " + learnerChosen)
                + ", the leader "
                + chosen
                + " (at most "
                + CAUGHT_UP_SLOTS
                + " slots behind may be promoted)");
      }
      return current.with(m.asVoter());
    }
    MembershipChange.Remove r = (MembershipChange.Remove) change;
    Membership.Member m = member(current, r.id());
    if (m.voter() && current.voters().size() <= Membership.MIN_VOTERS) {
      throw new Refused(
          Kind.FAILED_PRECONDITION,
          "removing voter "
              + r.id()
              + " would leave fewer than "
              + Membership.MIN_VOTERS
              + " voters: add and promote a replacement first");
    }
    return current.without(r.id());
  }

  private static Membership add(Membership current, MembershipChange.Add a) throws Refused {
    if (a.id() < 1 || a.id() > MAX_ID) {
      throw new Refused(Kind.INVALID_ARGUMENT, "replica id must be in [1, " + MAX_ID + "]");
    }
    for (String address : new String[] {a.peerAddress(), a.clientAddress()}) {
      if (!address.isEmpty() && !hostPort(address)) {
        throw new Refused(
            Kind.INVALID_ARGUMENT, "address '" + address + "' is not HOST:PORT (port 1-65535)");
      }
    }
    if (current.contains(a.id())) {
      throw new Refused(Kind.ALREADY_EXISTS, "replica " + a.id() + " is already a member");
    }
    if (current.wasRemoved(a.id())) {
      throw new Refused(
          Kind.FAILED_PRECONDITION,
          "replica "
              + a.id()
              + " was removed from the cell before, and ids are never reused (its old ballots"
              + " and promises could collide with a new replica's): give the new replica a new id");
    }
    for (Membership.Member m : current.list()) {
      if (!a.peerAddress().isEmpty() && a.peerAddress().equals(m.peerAddress())) {
        throw new Refused(
            Kind.ALREADY_EXISTS,
            "peer address " + a.peerAddress() + " is replica " + m.id() + "'s");
      }
      if (!a.clientAddress().isEmpty() && a.clientAddress().equals(m.clientAddress())) {
        throw new Refused(
            Kind.ALREADY_EXISTS,
            "client address " + a.clientAddress() + " is replica " + m.id() + "'s");
      }
    }
    return current.with(new Membership.Member(a.id(), false, a.peerAddress(), a.clientAddress()));
  }

  private static boolean hostPort(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1 || address.length() - colon > 6) {
      return false;
    }
    for (int i = colon + 1; i < address.length(); i++) {
      if (!Character.isDigit(address.charAt(i))) {
        return false;
      }
    }
    int port = Integer.parseInt(address.substring(colon + 1));
    return port >= 1 && port <= 65535;
  }

  private static Membership.Member member(Membership current, int id) throws Refused {
    Membership.Member m = current.members().get(id);
    if (m == null) {
      throw new Refused(Kind.NOT_FOUND, "replica " + id + " is not a member");
    }
    return m;
  }

  /** A refused change. */
  static final class Refused extends Exception {
    final Refusal refusal;

    Refused(Kind kind, String message) {
      super(message, null, false, false);
      this.refusal = new Refusal(kind, message);
    }
  }
}
