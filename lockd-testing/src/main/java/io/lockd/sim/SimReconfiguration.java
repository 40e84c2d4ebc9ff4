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
 *
 * <p>After half the adds an eager operator asks to promote the new learner every few milliseconds
 * until the leader takes it, so that promotions race the learner's catch-up; a promotion the leader
 * takes while the learner is far behind is a violation (a member that would vote before it caught
 * up). After a third of the changes the leader is cut off right away, while the change may be in
 * flight, so that a change some replicas took as chosen too early shows as two different values.
 */
public final class SimReconfiguration {
  private final SimCell cell;
  private final SplittableRandom random;
  private final int size;
  private boolean on;
  private long changesApplied;
  private long changesRefused;

  /** How far a promoted learner may lag the leader's applied index: the caught-up bound, twice. */
  private static final long PROMOTION_LAG_MAX = 2 * Membership.ALPHA;

  /** The replica started for an add that the log has not shown yet, and since when. */
  private SimReplica joining;

  private long joiningSince;

  /** The highest applied index a replica had when this harness last looked. */
  private long newestApplied;

  public SimReconfiguration(SimCell cell, long seed, int size) {
    this.cell = cell;
    this.random = new SplittableRandom(seed ^ 0x4EC0_F161L);
    this.size = size;
  }

  public void start() {
    on = true;
    schedule();
  }

  public void stop() {
    on = false;
  }

  public long changesApplied() {
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
    if (change instanceof MembershipChange.Add add) {
      joining = cell.addReplica();
      joiningSince = cell.events.nowMicros();
      if (random.nextBoolean()) {
        promoteEagerly(add.id(), cell.events.nowMicros() + 2_000_000);
      }
    }
    propose(leader, change);
  }

  /** Asks {@code leader} for {@code change}; true if it took it (it may still not be chosen). */
  private boolean propose(SimReplica leader, MembershipChange change) {
    boolean[] refused = new boolean[1];
    boolean[] asked = new boolean[1];
    leader.input(
        () -> {
          asked[0] = true;
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
                  refusal -> {
                    changesRefused++;
                    refused[0] = true;
                  });
        });
    if (!asked[0] || refused[0] || !leader.isUp()) {
      return false; // a paused leader takes it later, if at all: not checked then
    }
    if (change instanceof MembershipChange.Promote p) {
      checkCaughtUp(leader, cell.replica(p.id()));
    }
    if (random.nextInt(3) == 0) {
      cell.cutOffSoon(leader);
    }
    return true;
  }

  /** Asks the serving leader to promote {@code id} every 5 ms until one takes it, or until then. */
  private void promoteEagerly(int id, long untilMicros) {
    cell.events.after(
        5_000,
        () -> {
          SimReplica leader = cell.servingLeader();
          if (!on || cell.events.nowMicros() > untilMicros) {
            return;
          }
          boolean learner = leader != null && leader.replica().membership().learners().contains(id);
          if (!learner || !propose(leader, new MembershipChange.Promote(id))) {
            promoteEagerly(id, untilMicros);
          }
        });
  }

  /**
   * A promotion the leader took: the learner must have caught up (the leader allows α slots behind
   * its chosen index by the learner's last answer; twice that leaves room for answers in flight).
   */
  private void checkCaughtUp(SimReplica leader, SimReplica learner) {
    if (!learner.isUp() || learner.replica().status().lastLeaderContactAgoMillis() < 0) {
      // It answered before it went down (or before the restart it has not heard a leader since):
      // what it had then is not known here, and a crash loses catch-up progress not yet synced.
      return;
    }
    long behind = leader.replica().appliedIndex() - learner.replica().appliedIndex();
    if (behind > PROMOTION_LAG_MAX) {
      throw new Violation(
          "membership: replica "
              + learner.id
              + " was promoted to voter "
              + behind
              + " slots behind the leader's applied index (at most "
              + PROMOTION_LAG_MAX
              + " allowed): a member that votes before it caught up\n  leader: "
              + leader.replica().status()
              + "\n  learner: "
              + learner.replica().status());
    }
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
    if (ahead == null || ahead.replica().appliedIndex() < newestApplied) {
      // Every replica that knew the newest configuration is down (a power loss, say): the ones
      // running would retire members they have not heard of yet. Wait for one that knows.
      return;
    }
    newestApplied = ahead.replica().appliedIndex();
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
  public void settle() {
    joining = null;
    retireOutsiders();
  }
}
