package io.lockd.sim;

import io.lockd.paxos.Membership;
import io.lockd.paxos.MembershipChange;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Membership changes at random during a run's faults, one at a time as an operator would make them:
 * add a fresh, empty replica as a learner, promote it once the leader lets it (it must have caught
 * up), remove a voter (the leader in a third of the removals, a crashed one first: a replacement),
 * and retire what the cell no longer contains. The cell keeps between three voters and one more
 * than it started with.
 */
final class SimReconfiguration {
  private final SimCell cell;
  private final SplittableRandom random;
  private final int size;
  private boolean on;
  private long changesApplied;
  private long changesRefused;

  /** The replica started for an add that the log has not shown yet, and since when. */
  private SimReplica joining;

  private long joiningSince;

  SimReconfiguration(SimCell cell, long seed, int size) {
    this.cell = cell;
    this.random = new SplittableRandom(seed ^ 0x4EC0_F161L);
    this.size = size;
  }

  void start() {
    on = true;
    schedule();
  }

  void stop() {
    on = false;
  }

  long changesApplied() {
    return changesApplied;
  }

  long changesRefused() {
    return changesRefused;
  }

  private void schedule() {
    cell.events.after(
        (200 + random.nextLong(1_200)) * 1000,
        () -> {
          if (on) {
            step();
            schedule();
          }
        });
  }

  private void step() {
    retireOutsiders();
    SimReplica leader = cell.servingLeader();
    if (leader == null) {
      return;
    }
    Membership m = leader.replica().membership();
    MembershipChange change = choose(m, leader.id);
    if (change == null) {
      return;
    }
    if (change instanceof MembershipChange.Add) {
      joining = cell.addReplica();
      joiningSince = cell.events.nowMicros();
    }
    leader.input(
        () ->
            leader
                .replica()
                .proposeChange(
                    change,
                    new ProposalCallback() {
                      @Override
                      public void applied(long slot, byte[] result) {
                        changesApplied++;
                      }

                      @Override
                      public void failed(ProposalFailure failure, int leaderHint) {}
                    },
                    refusal -> changesRefused++));
  }

  private MembershipChange choose(Membership m, int leaderId) {
    List<Integer> learners = m.learners();
    if (!learners.isEmpty()) {
      int id = learners.get(0);
      return random.nextInt(8) == 0
          ? new MembershipChange.Remove(id)
          : new MembershipChange.Promote(id);
    }
    List<Integer> voters = m.voters();
    boolean canRemove = voters.size() > Membership.MIN_VOTERS;
    for (int id : voters) {
      if (canRemove && !cell.replica(id).isUp() && random.nextBoolean()) {
        return new MembershipChange.Remove(id); // replace a crashed replica
      }
    }
    boolean grow = voters.size() < size || (voters.size() == size && random.nextBoolean());
    int next = cell.nextId();
    if (grow && next > 0 && joining == null) {
      return new MembershipChange.Add(next, "sim:" + next, "");
    }
    if (!canRemove) {
      return null;
    }
    int victim = random.nextInt(3) == 0 ? leaderId : voters.get(random.nextInt(voters.size()));
    return new MembershipChange.Remove(victim);
  }

  /**
   * Retires every replica the cell does not contain, as an operator stops a removed process; a
   * replica started to join gets two seconds for its add to show in the log.
   */
  private void retireOutsiders() {
    SimReplica ahead = mostAdvanced();
    if (ahead == null) {
      return;
    }
    Membership latest = ahead.replica().membership();
    Membership governing = ahead.replica().governingMembership();
    if (joining != null
        && (latest.contains(joining.id) || cell.events.nowMicros() - joiningSince > 2_000_000)) {
      joining = null;
    }
    for (SimReplica r : cell.active()) {
      if (r != joining && !latest.contains(r.id) && !governing.contains(r.id)) {
        cell.retire(r);
      }
    }
  }

  /** The running replica that applied the most, whose configuration is the newest known. */
  SimReplica mostAdvanced() {
    SimReplica best = null;
    for (SimReplica r : cell.active()) {
      if (r.isUp()
          && (best == null || r.replica().appliedIndex() > best.replica().appliedIndex())) {
        best = r;
      }
    }
    return best;
  }

  /** After the faults: retires what the cell no longer contains, so the checks skip it. */
  void settle() {
    joining = null;
    retireOutsiders();
  }
}
