package io.lockd.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core's fail-safe rules on bare {@link PaxosNode}s: a peer that contradicts a chosen value is
 * distrusted instead of stopping the replica, and a replica whose state checksum differs from the
 * majority's stops voting and asks a healthy peer for its state.
 */
class DivergenceTest {
  @Test
  void aContradictionOfAChosenValueIsDistrustedNotFatal() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int follower = leader % 3 + 1;
    int other = 6 - leader - follower;
    cell.advance(200);
    PaxosNode f = cell.node(follower);
    assertTrue(f.chosenIndex() >= 1, f.toString());
    long ballot = Ballot.of(Ballot.round(f.promised()) + 1, other);
    Batch forged = new Batch(List.of(new Command(7, new byte[] {1})));
    f.step(
        new Message.Accept(other, follower, ballot, List.of(new Entry(1, ballot, forged)), 1),
        cell.now);
    Ready answer = f.ready(cell.now);
    assertEquals(List.of(), answer.writes(), "nothing of the contradiction is stored");
    assertEquals(List.of(), answer.sendAfterDurable(), "nothing of it is acknowledged");
    Suspicion s = f.suspicions().get(0);
    assertEquals(other, s.peer());
    assertTrue(s.reason().contains("slot 1"), s.reason());

    f.step(new Message.Heartbeat(other, follower, ballot, 1, 1), cell.now);
    assertEquals(List.of(), f.ready(cell.now).sendNow(), "a distrusted peer is not answered");
    cell.advance(1_000);
    assertEquals(Role.LEADER, cell.node(leader).role(), "the cell keeps its leader");
  }

  @Test
  void aReplicaThatDiffersFromTheMajorityStopsVotingAndAsksForAHealthyState() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    cell.advance(200);
    int odd = leader % 3 + 1;
    for (int id : cell.ids) {
      cell.node(id).checksumTaken(1, id == odd ? 0xBADL : 0x600DL, cell.now);
    }
    cell.settle();
    PaxosNode diverged = cell.node(odd);
    assertNotNull(diverged.divergence());
    assertTrue(
        cell.sent.stream().anyMatch(m -> m instanceof Message.SnapshotRequest && m.from() == odd),
        "no snapshot asked for");
    for (int id : cell.ids) {
      if (id != odd) {
        assertNull(cell.node(id).divergence());
        assertEquals(odd, cell.node(id).suspicions().get(0).peer());
      }
    }
    long higher = Ballot.of(Ballot.round(diverged.promised()) + 1, leader);
    diverged.step(new Message.Prepare(leader, odd, higher, 2), cell.now);
    diverged.step(new Message.PreVote(leader, odd, higher), cell.now);
    Ready r = diverged.ready(cell.now);
    assertEquals(List.of(), r.sendNow(), "a diverged replica does not vote");
    assertEquals(List.of(), r.sendAfterDurable(), "a diverged replica does not vote");
    assertEquals(List.of(), r.writes());
    assertEquals(Role.FOLLOWER, diverged.role());

    // A snapshot the state machine cannot read replaces nothing; its sender is distrusted.
    int source = leader;
    diverged.checkSnapshotsWith(state -> false);
    diverged.step(new Message.SnapshotChunk(source, odd, 1, 0, new byte[] {9}, true), cell.now);
    Ready after = diverged.ready(cell.now);
    assertNull(after.snapshot());
    assertEquals(List.of(), after.writes());
    assertNotNull(diverged.divergence(), "still waiting for a readable state");
    assertEquals(source, diverged.suspicions().get(0).peer());

    diverged.checkSnapshotsWith(state -> true);
    int healthy = 6 - leader - odd;
    diverged.step(new Message.SnapshotChunk(healthy, odd, 1, 0, new byte[] {7}, true), cell.now);
    Ready rebuilt = diverged.ready(cell.now);
    assertEquals(1, rebuilt.snapshot().index());
    assertNull(diverged.divergence());
    assertEquals(1, diverged.rebuilds());
    assertEquals(List.of(), diverged.suspicions(), "suspicions judged by the old state end");
  }

  /**
   * A replica catching up from a snapshot the state machine cannot read keeps its own state (one
   * installed would stop it at once, and again at every restart) and distrusts the sender; once the
   * suspicion has run out it catches up from the same peer.
   */
  @Test
  void aCatchUpSnapshotTheStateMachineCannotReadReplacesNothing() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int behind = leader % 3 + 1;
    cell.isolate(behind);
    for (long id = 1; id <= 5; id++) {
      cell.node(leader).propose(new Command(id, new byte[1]));
      cell.settle();
    }
    cell.healAll();
    // It hears only heartbeats: enough to learn it is behind and ask the leader to catch it up.
    cell.drop = m -> m.to() == behind && !(m instanceof Message.Heartbeat);
    cell.advance(100);
    PaxosNode l = cell.node(leader);
    PaxosNode b = cell.node(behind);
    assertTrue(b.chosenIndex() < l.chosenIndex(), b.toString());
    assertTrue(
        cell.sent.stream()
            .anyMatch(
                m -> m instanceof Message.CatchUpRequest && m.from() == behind && m.to() == leader),
        "no catch-up asked for");

    b.checkSnapshotsWith(state -> false);
    b.ready(cell.now);
    b.step(
        new Message.SnapshotChunk(leader, behind, l.chosenIndex(), 0, new byte[] {7}, true),
        cell.now);
    Ready after = b.ready(cell.now);
    assertNull(after.snapshot());
    assertEquals(List.of(), after.writes());
    assertEquals(0, b.snapshotIndex());
    Suspicion s = b.suspicions().get(0);
    assertEquals(leader, s.peer());
    assertTrue(s.reason().contains("cannot read"), s.reason());

    b.checkSnapshotsWith(state -> true);
    cell.drop = m -> false;
    for (int i = 0; i < 2_000 && b.chosenIndex() < l.chosenIndex(); i++) {
      cell.advance(50);
    }
    assertTrue(b.chosenIndex() >= l.chosenIndex(), b.toString());
  }

  /**
   * A snapshot arriving goes to the driver's sink chunk by chunk (production: a file), and a
   * transfer given up for a newer one releases its sink (production: deletes the file), so that
   * abandoned transfers leave nothing behind.
   */
  @Test
  void aSnapshotArrivesIntoTheDriversSinkAndAnAbandonedOneIsReleased() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    int odd = leader % 3 + 1;
    int healthy = 6 - leader - odd;
    cell.advance(200);
    for (int id : cell.ids) {
      cell.node(id).checksumTaken(1, id == odd ? 0xBADL : 0x600DL, cell.now);
    }
    cell.settle();
    PaxosNode diverged = cell.node(odd);
    assertNotNull(diverged.divergence());
    List<String> events = new java.util.ArrayList<>();
    int[] sinks = {0};
    diverged.receiveSnapshotsInto(
        () -> {
          int n = ++sinks[0];
          SnapshotSink memory = SnapshotSink.inMemory();
          return new SnapshotSink() {
            @Override
            public void write(byte[] block, int length) {
              events.add("sink " + n + " wrote " + length);
              memory.write(block, length);
            }

            @Override
            public SnapshotBytes finish() {
              events.add("sink " + n + " finished");
              return memory.finish();
            }

            @Override
            public void abandon() {
              events.add("sink " + n + " abandoned");
            }
          };
        });
    diverged.step(
        new Message.SnapshotChunk(healthy, odd, 1, 0, new byte[] {1, 2}, false), cell.now);
    diverged.step(
        new Message.SnapshotChunk(healthy, odd, 2, 0, new byte[] {7, 7}, false), cell.now);
    diverged.step(new Message.SnapshotChunk(healthy, odd, 2, 2, new byte[] {8}, true), cell.now);
    Ready rebuilt = diverged.ready(cell.now);
    assertEquals(2, rebuilt.snapshot().index());
    assertEquals(
        List.of(
            "sink 1 wrote 2",
            "sink 1 abandoned",
            "sink 2 wrote 2",
            "sink 2 wrote 1",
            "sink 2 finished"),
        events);
    assertTrue(
        java.util.Arrays.equals(new byte[] {7, 7, 8}, rebuilt.snapshot().state().toArray()),
        "the snapshot is what the sink holds");
  }

  /**
   * The slots a diverged replica took as chosen go with the rebuild on disk too: restarted from its
   * store before they are chosen again, it holds the rebuilt state, not the diverged one it would
   * be rebuilt from again.
   */
  @Test
  void aRebuiltReplicaRestartedFromItsStoreHoldsTheRebuiltState() {
    CoreCell cell = new CoreCell(3);
    int leader = cell.electLeader();
    for (int i = 1; i <= 3; i++) {
      cell.node(leader).propose(new Command(i, new byte[] {(byte) i}));
      cell.advance(50);
    }
    int odd = leader % 3 + 1;
    int healthy = 6 - leader - odd;
    assertTrue(cell.node(odd).chosenIndex() >= 3, cell.node(odd).toString());
    for (int id : cell.ids) {
      cell.node(id).checksumTaken(1, id == odd ? 0xBADL : 0x600DL, cell.now);
    }
    cell.settle();
    PaxosNode diverged = cell.node(odd);
    assertNotNull(diverged.divergence());
    diverged.step(new Message.SnapshotChunk(healthy, odd, 1, 0, new byte[] {7}, true), cell.now);
    Ready rebuilt = cell.persist(odd);
    assertEquals(1, rebuilt.snapshot().index());
    assertEquals(1, diverged.chosenIndex());

    PaxosNode restarted = cell.restart(odd);
    assertEquals(1, restarted.chosenIndex(), "the slots dropped by the rebuild came back chosen");
    assertEquals(1, restarted.snapshotIndex());
    assertEquals(1, restarted.appliedIndex());
    assertEquals(diverged.promised(), restarted.promised());
  }

  @Test
  void theMajorityDecidesAndAMinorityOfReportsDecidesNothing() {
    StateChecksums sums = new StateChecksums(1, 3);
    assertNull(sums.report(1, 10, 5));
    assertNull(sums.report(2, 10, 6));
    assertNull(sums.report(3, 10, 7));
    StateChecksums.Verdict v = sums.report(4, 10, 6);
    assertNull(v, "two of five agree: no majority yet");
    v = sums.report(5, 10, 6);
    assertEquals(6, v.majority());
    assertEquals(List.of(2, 4, 5), v.agree());
    assertEquals(List.of(1, 3), v.differ());
  }
}
