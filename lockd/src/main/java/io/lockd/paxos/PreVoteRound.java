package io.lockd.paxos;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pre-vote round of a would-be candidate. Before a follower raises its own promise and sends
 * prepares, it asks every acceptor whether it would promise it a fresh ballot now, that is, whether
 * it still grants a live leader its lease. Only when a majority (its own acceptor included) says
 * yes does it campaign. Asking changes no acceptor state and writes nothing, so a replica that
 * merely missed heartbeats cannot raise its promise above a healthy leader's ballot and then refuse
 * that leader (see docs/consensus.md, "Pre-vote").
 *
 * <p>A round lasts until the next election deadline. Within it, acceptors that have not said yes
 * are asked again every retransmit interval: a refusal becomes a yes once the lease it protects
 * runs out, which is what keeps failover after a real leader crash quick.
 */
final class PreVoteRound {
  private final PaxosConfig config;
  private final Outbox out;

  /** The configurations governing the slots the candidate would lead: it needs each's majority. */
  private final List<Membership> configurations;

  /** The ballot the candidate would campaign with; answers to another round do not count. */
  final long ballot;

  private final Set<Integer> granted = new TreeSet<>();
  private long lastAskedAt;

  /** Starts a round; the caller has checked that its own acceptor would promise. */
  PreVoteRound(
      PaxosConfig config, Outbox out, List<Membership> configurations, long ballot, long now) {
    this.config = config;
    this.out = out;
    this.configurations = List.copyOf(configurations);
    this.ballot = ballot;
    granted.add(config.selfId());
    ask(now);
  }

  private void ask(long now) {
    lastAskedAt = now;
    Set<Integer> voters = new TreeSet<>();
    configurations.forEach(m -> voters.addAll(m.voters()));
    for (int id : voters) {
      if (!granted.contains(id)) {
        out.now(new Message.PreVote(config.selfId(), id, ballot));
      }
    }
  }

  /** Asks again those that have not said yes, once per retransmit interval. */
  void tick(long now) {
    if (now - lastAskedAt >= config.retransmitMillis()) {
      ask(now);
    }
  }

  /** When {@link #tick} next asks again. */
  long nextAskAt() {
    return lastAskedAt + config.retransmitMillis();
  }

  void onReply(Message.PreVoteReply r) {
    if (r.ballot() == ballot && r.granted()) {
      granted.add(r.from());
    }
  }

  /** True once a majority of every configuration, this replica included, would promise it. */
  boolean won() {
    return configurations.stream().allMatch(m -> m.isQuorum(granted));
  }

  @Override
  public String toString() {
    return "PreVoteRound{ballot=" + Ballot.toString(ballot) + " granted=" + granted + "}";
  }
}
