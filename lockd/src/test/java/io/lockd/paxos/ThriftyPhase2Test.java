package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Thrifty Phase 2 on five bare cores ({@link CoreCell}): a new slot goes at once to the leader and
 * just enough followers for a majority with it, and to the rest in a batch a third of a retransmit
 * later; a slot whose eager followers are silent is still chosen once the batch arrives.
 */
class ThriftyPhase2Test {
  private static final long LAZY_FLUSH_MILLIS = PaxosConfig.RETRANSMIT_MILLIS / 3;

  /** Proposes one command at the leader and returns its slot (the next one). */
  private static long propose(CoreCell cell, int leader, long id) {
    long slot = cell.node(leader).chosenIndex() + 1;
    assertEquals(
        ProposeResult.QUEUED, cell.node(leader).propose(new Command(id, new byte[] {(byte) id})));
    return slot;
  }

  /** The followers that were sent an Accept for {@code slot} since {@code from} messages. */
  private static Set<Integer> acceptedTo(CoreCell cell, long slot, int from, int leader) {
    Set<Integer> to = new TreeSet<>();
    for (Message m : cell.sent.subList(from, cell.sent.size())) {
      if (m instanceof Message.Accept a
          && m.to() != leader
          && a.entries().stream().anyMatch(e -> e.slot() == slot)) {
        to.add(m.to());
      }
    }
    return to;
  }

  @Test
  void aNewSlotGoesToAMajorityWithTheLeaderAtOnceAndToTheRestInABatch() {
    CoreCell cell = new CoreCell(5);
    int leader = cell.electLeader();
    cell.advance(100);
    int mark = cell.sent.size();
    long slot = propose(cell, leader, 1);
    cell.settle(); // the leader's flush: accepts out, acceptances back, chosen
    Set<Integer> atOnce = acceptedTo(cell, slot, mark, leader);
    assertEquals(2, atOnce.size(), "two followers at once, a majority with the leader: " + atOnce);
    assertEquals(slot, cell.node(leader).chosenIndex(), "chosen without the other two");

    cell.advance(LAZY_FLUSH_MILLIS + 5);
    assertEquals(4, acceptedTo(cell, slot, mark, leader).size(), "the other two in their batch");
    for (int id : cell.ids) {
      assertTrue(cell.node(id).chosenIndex() >= slot - 1, "replica " + id + " keeps up");
    }
  }

  @Test
  void aSlotWhoseEagerFollowersAreSilentIsChosenOnceTheBatchArrives() {
    CoreCell cell = new CoreCell(5);
    int leader = cell.electLeader();
    cell.advance(100);
    long first = propose(cell, leader, 1);
    cell.settle();
    assertEquals(first, cell.node(leader).chosenIndex());
    int mark = cell.sent.size();
    long probe = propose(cell, leader, 2);
    cell.settle();
    Set<Integer> eager = acceptedTo(cell, probe, mark, leader);
    // Both eager followers stop answering: the leader and the two lazy ones are still a majority,
    // once the lazy ones have their batch.
    List<Integer> silent = List.copyOf(eager).subList(0, 2);
    silent.forEach(cell::isolate);
    long slot = propose(cell, leader, 3);
    cell.settle();
    assertTrue(cell.node(leader).chosenIndex() < slot, "not chosen before the batch");
    cell.advance(LAZY_FLUSH_MILLIS + 5);
    assertEquals(slot, cell.node(leader).chosenIndex(), "chosen with the lazy follower's vote");

    int after = cell.sent.size();
    long next = propose(cell, leader, 4);
    cell.settle();
    assertEquals(next, cell.node(leader).chosenIndex(), "the quick ones are eager now");
    Set<Integer> nowEager = acceptedTo(cell, next, after, leader);
    assertTrue(
        nowEager.containsAll(
            cell.ids.stream().filter(id -> id != leader && !silent.contains(id)).toList()),
        "the followers that answered are eager: " + nowEager);
  }
}
