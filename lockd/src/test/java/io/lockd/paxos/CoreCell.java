package io.lockd.paxos;

import io.lockd.storage.InMemoryAcceptorStore;
import io.lockd.storage.RecoveredState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A few bare {@link PaxosNode}s wired to each other for tests of the core's corner cases: instant
 * delivery, writes durable at once, 5 ms ticks, replicas that can be cut off, messages that can be
 * dropped by a rule, and a record of what was written and sent. No threads, clocks or I/O. Writes
 * collected by {@link #settle} or {@link #persist} reach each replica's in-memory store, from which
 * {@link #restart} starts it again.
 */
final class CoreCell {
  final List<Integer> ids;
  final Map<Integer, PaxosNode> nodes = new TreeMap<>();
  final Map<Integer, List<Long>> promiseWrites = new TreeMap<>();
  final Map<Integer, InMemoryAcceptorStore> stores = new TreeMap<>();
  final TreeSet<Integer> isolated = new TreeSet<>();

  /** Every message delivered or dropped, in send order. */
  final List<Message> sent = new ArrayList<>();

  /** Messages matching this are dropped (besides those to or from an isolated replica). */
  Predicate<Message> drop = m -> false;

  long now;

  private long nextChangeId = 1L << 40;

  CoreCell(int size) {
    List<Integer> all = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      all.add(id);
    }
    this.ids = List.copyOf(all);
    for (int id : ids) {
      nodes.put(id, newNode(id, ids, now));
      promiseWrites.put(id, new ArrayList<>());
      stores.put(id, new InMemoryAcceptorStore());
    }
  }

  static PaxosNode newNode(int id, List<Integer> ids, long now) {
    return new PaxosNode(
        PaxosConfig.defaults(id, ids),
        new SplittableRandom(id),
        Ballot.ZERO,
        List.of(),
        0,
        0,
        SnapshotBytes.EMPTY,
        now);
  }

  /** Starts a fresh, empty replica that is not yet a member: it joins by a membership change. */
  PaxosNode join(int id) {
    PaxosNode node = newNode(id, ids, now);
    nodes.put(id, node);
    promiseWrites.put(id, new ArrayList<>());
    stores.put(id, new InMemoryAcceptorStore());
    return node;
  }

  PaxosNode node(int id) {
    return nodes.get(id);
  }

  /**
   * Offers a membership change at replica {@code at}, then settles; returns its refusal, or null.
   */
  MembershipChange.Refusal change(int at, MembershipChange c) {
    MembershipChange.Refusal r = nodes.get(at).proposeChange(c, nextChangeId++);
    settle();
    return r;
  }

  /**
   * Starts replica {@code id} empty, has {@code leader} add it as a learner and promote it once it
   * caught up; returns the refusal that stopped it, or null once it is a voter.
   */
  MembershipChange.Refusal addVoter(int leader, int id) {
    join(id);
    MembershipChange.Refusal r = change(leader, new MembershipChange.Add(id, "", ""));
    advance(500);
    if (r == null) {
      r = change(leader, new MembershipChange.Promote(id));
      advance(500);
    }
    return r;
  }

  /** Runs until some replica serves reads; returns it. */
  int electLeader() {
    for (int i = 0; i < 1_000; i++) {
      advance(5);
      for (PaxosNode n : nodes.values()) {
        if (n.canServeReads(now)) {
          return n.selfId();
        }
      }
    }
    throw new AssertionError("no leader");
  }

  void isolate(int id) {
    isolated.add(id);
  }

  void healAll() {
    isolated.clear();
  }

  void advance(long millis) {
    for (long end = now + millis; now < end; ) {
      now += 5;
      nodes.values().forEach(n -> n.tick(now));
      settle();
    }
  }

  /** Takes replica {@code id}'s output and makes its writes durable in its store. */
  Ready persist(int id) {
    Ready r = nodes.get(id).ready(now);
    for (StoreWrite w : r.writes()) {
      if (w instanceof StoreWrite.Promised p) {
        promiseWrites.get(id).add(p.ballot());
      }
    }
    InMemoryAcceptorStore store = stores.get(id);
    store.write(r.writes());
    store.sync();
    return r;
  }

  /** Kills replica {@code id} and starts it again from what its store kept. */
  PaxosNode restart(int id) {
    InMemoryAcceptorStore store = stores.get(id);
    store.crash();
    RecoveredState found = store.recover();
    PaxosNode node =
        new PaxosNode(
            PaxosConfig.defaults(id, ids),
            new SplittableRandom(id),
            found.promised(),
            found.accepted(),
            found.chosenIndex(),
            found.snapshotIndex(),
            found.snapshot(),
            now);
    nodes.put(id, node);
    return node;
  }

  /** Delivers everything the nodes want to send until nobody sends anything. */
  void settle() {
    ArrayDeque<Message> queue = new ArrayDeque<>();
    for (int rounds = 0; rounds < 10_000; rounds++) {
      for (PaxosNode n : nodes.values()) {
        Ready r = persist(n.selfId());
        queue.addAll(r.sendNow());
        queue.addAll(r.sendAfterDurable());
        r.sendSnapshots().forEach(t -> queue.addAll(t.chunks()));
      }
      if (queue.isEmpty()) {
        return;
      }
      while (!queue.isEmpty()) {
        Message m = queue.poll();
        sent.add(m);
        boolean cut =
            m.from() != m.to()
                && (isolated.contains(m.from()) || isolated.contains(m.to()) || drop.test(m));
        PaxosNode to = nodes.get(m.to());
        if (!cut && to != null) {
          to.step(m, now);
        }
      }
    }
    throw new AssertionError("the cell did not settle");
  }
}
