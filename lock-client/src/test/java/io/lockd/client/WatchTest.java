package io.lockd.client;

import static io.lockd.client.LeaderFollowingTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.testing.InJvmCell;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Watches against a real cell: log order, exactly once, across leader changes and stream restarts;
 * RESYNC when the cell's history overflowed; and the one delivery order (an answer after the events
 * it reflects).
 */
class WatchTest extends RealCellTest {
  @Override
  protected InJvmCell.Builder newCell() {
    return super.newCell()
        .limits(NamespaceLimits.defaults().toBuilder().maxEventsPerSession(32).build());
  }

  @Test
  void contentEventsArriveInOrderOnceAcrossFailover() {
    try (LockClient watcher = Clients.client(cell);
        LockClient writer = Clients.client(cell)) {
      writer.createFile("/cfg", bytes("0"));
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      Watch w = watcher.watch("/cfg", WatchKind.CONTENTS, seen::add);
      for (int i = 1; i <= 30; i++) {
        writer.setContents("/cfg", bytes(Integer.toString(i)));
        if (i % 7 == 0) {
          moveLeader(); // every KeepAlive stream must move
        }
      }
      Eventually.await("30 events", () -> seen.size() >= 30);
      List<Long> generations = new ArrayList<>();
      long lastIndex = w.startIndex();
      for (WatchEvent e : seen) {
        assertEquals(WatchEvent.Type.CONTENTS_CHANGED, e.type());
        assertTrue(e.index() > lastIndex, "indexes grow: " + seen);
        lastIndex = e.index();
        generations.add(e.contentGeneration());
      }
      List<Long> expected = new ArrayList<>();
      for (long g = 2; g <= 31; g++) {
        expected.add(g);
      }
      assertEquals(expected, generations);
      w.close();
    }
  }

  @Test
  void repeatedEventsAreDeliveredOnce() {
    faults.duplicateKeepAliveResponses(true);
    try (LockClient watcher = Clients.client(cell);
        LockClient writer = Clients.client(cell)) {
      writer.createDirectory("/dup");
      List<String> seen = new CopyOnWriteArrayList<>();
      watcher.watch("/dup", WatchKind.CHILDREN, e -> seen.add(e.index() + " " + e.childName()));
      for (int i = 0; i < 10; i++) {
        writer.createFile("/dup/c" + i, bytes(""));
        if (i == 4) {
          moveLeader(); // the new stream resumes from the last seen index
        }
      }
      Eventually.await("10 children", () -> seen.size() >= 10);
      writer.createFile("/dup/last", bytes(""));
      Eventually.await("the last child", () -> seen.stream().anyMatch(x -> x.endsWith(" last")));
      assertEquals(11, seen.size(), "each event once: " + seen);
      assertEquals(11, seen.stream().distinct().count());
    }
  }

  @Test
  void childrenAndLockWatches() {
    try (LockClient watcher = Clients.client(cell);
        LockClient other = Clients.client(cell)) {
      other.createDirectory("/svc");
      List<String> seen = new CopyOnWriteArrayList<>();
      watcher.watch("/svc", WatchKind.CHILDREN, e -> seen.add(e.type() + " " + e.childName()));
      other.createFile("/svc/a", bytes(""));
      watcher.watch(
          "/svc/a", WatchKind.LOCK, e -> seen.add(e.type() + " gen " + e.lockGeneration()));
      try (DistributedLock l = other.lock("/svc/a")) {
        assertTrue(l.tryAcquire());
        long gen = l.sequencer().lockGeneration();
        l.release();
        other.delete("/svc/a");
        Eventually.await("4 events", () -> seen.size() >= 5);
        assertEquals(
            List.of(
                "CHILD_ADDED a",
                "LOCK_ACQUIRED gen " + gen,
                "LOCK_RELEASED gen " + gen,
                "NODE_DELETED gen 0",
                "CHILD_REMOVED a"),
            seen);
      }
    }
  }

  @Test
  void overflowedHistoryIsSignalledAsResync() {
    try (LockClient watcher = Clients.client(cell);
        LockClient writer = Clients.client(cell)) {
      writer.createFile("/hot", bytes(""));
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      List<Long> sessionResyncs = new CopyOnWriteArrayList<>();
      watcher
          .session()
          .addListener(
              new SessionListener() {
                @Override
                public void onStateChange(Session s, SessionState from, SessionState to) {}

                @Override
                public void onResync(Session s, long index) {
                  sessionResyncs.add(index);
                }
              });
      watcher.watch("/hot", WatchKind.CONTENTS, seen::add);
      faults.silenceKeepAliveAnswers(true);
      moveLeader(); // the stream breaks; the new one is not answered while silent
      for (int i = 0; i < 40; i++) {
        writer.setContents("/hot", bytes("v" + i)); // 40 events unacknowledged: more than 32
      }
      faults.silenceKeepAliveAnswers(false);
      moveLeader(); // the watcher's next stream resumes from its last seen index
      writer.setContents("/hot", bytes("last"));
      Eventually.await(
          "the last write seen",
          () -> !seen.isEmpty() && seen.get(seen.size() - 1).contentGeneration() == 42);
      assertEquals(WatchEvent.Type.RESYNC, seen.get(0).type(), seen.toString());
      assertEquals(1, sessionResyncs.size());
      long last = seen.get(0).index();
      for (WatchEvent e : seen.subList(1, seen.size())) {
        assertTrue(e.index() > last);
        last = e.index();
      }
    }
  }

  @Test
  void answerComesAfterTheEventsItReflects() {
    // Events travel only with KeepAlive answers: the write's answer wins the race.
    faults.holdPushes(true);
    try (LockClient client = Clients.client(cell)) {
      client.createFile("/x", bytes("0"));
      List<Long> seen = new CopyOnWriteArrayList<>();
      client.watch("/x", WatchKind.CONTENTS, e -> seen.add(e.contentGeneration()));
      for (int i = 1; i <= 5; i++) {
        NodeStat st = client.setContents("/x", bytes(Integer.toString(i)));
        assertTrue(
            seen.contains(st.contentGeneration()),
            "event for generation "
                + st.contentGeneration()
                + " delivered before the answer; seen "
                + seen);
        NodeData d = client.getContents("/x");
        assertEquals(
            seen.get(seen.size() - 1),
            d.stat().contentGeneration(),
            "a read never contradicts delivered events");
      }
    }
  }

  @Test
  void closedWatchStopsAndUnsubscribes() {
    try (LockClient watcher = Clients.client(cell);
        LockClient writer = Clients.client(cell)) {
      writer.createFile("/w", bytes(""));
      List<WatchEvent> first = new CopyOnWriteArrayList<>();
      List<WatchEvent> second = new CopyOnWriteArrayList<>();
      Watch a = watcher.watch("/w", WatchKind.CONTENTS, first::add);
      Watch b = watcher.watch("/w", WatchKind.CONTENTS, second::add);
      writer.setContents("/w", bytes("1"));
      Eventually.await("both saw it", () -> first.size() == 1 && second.size() == 1);
      a.close();
      writer.setContents("/w", bytes("2"));
      Eventually.await("b saw it", () -> second.size() == 2);
      assertEquals(1, first.size());
      b.close();
      long session = watcher.session().id();
      Eventually.await(
          "unsubscribed in the cell", () -> read(ns -> ns.getSession(session)).getWatches() == 0);
    }
  }

  @Test
  void watchEndsWithTheSession() {
    try (LockClient watcher = Clients.client(cell)) {
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      watcher.watch("/any", WatchKind.CONTENTS, seen::add);
      forceClose(watcher.session().id());
      Eventually.await("ended", () -> !seen.isEmpty());
      assertEquals(WatchEvent.Type.WATCH_ENDED, seen.get(0).type());
    }
  }
}
