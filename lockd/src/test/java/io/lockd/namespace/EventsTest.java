package io.lockd.namespace;

import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.ReleaseReason;
import io.lockd.proto.v1.WatchKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventsTest {
  private final Harness h = new Harness();
  private final long writer = h.session();
  private final long watcher = h.session();

  @Test
  void contentsWatchSeesCreateChangesAndDeleteInLogOrder() {
    ok(h.watch(watcher, "/f", WatchKind.WATCH_KIND_CONTENTS));
    long created =
        ok(h.create(writer, "/f", io.lockd.proto.v1.NodeKind.NODE_KIND_FILE, false, "1"))
            .getIndex();
    long changed = ok(h.set(writer, "/f", "2")).getIndex();
    long deleted = ok(h.delete(writer, "/f")).getIndex();

    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(
        List.of(
            EventType.EVENT_TYPE_NODE_CREATED,
            EventType.EVENT_TYPE_CONTENTS_CHANGED,
            EventType.EVENT_TYPE_NODE_DELETED),
        types(events));
    assertEquals(List.of(created, changed, deleted), events.stream().map(Event::getIndex).toList());
    assertEquals(2, events.get(1).getContentGeneration());
    assertEquals(events.get(0).getInstance(), events.get(2).getInstance());
    assertEquals(List.of(), h.ns.eventsSince(writer, 0), "no watch, no events");
    assertEquals(types(events.subList(1, 3)), types(h.ns.eventsSince(watcher, created)));
  }

  @Test
  void childrenWatchSeesAddsAndRemoves() {
    h.dir(writer, "/d");
    ok(h.watch(watcher, "/d", WatchKind.WATCH_KIND_CHILDREN));
    h.file(writer, "/d/x", "");
    ok(h.delete(writer, "/d/x"));
    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(2, events.size());
    assertEquals("x", events.get(0).getChildName());
    assertTrue(events.get(0).getChildAdded());
    assertEquals(false, events.get(1).getChildAdded());
  }

  @Test
  void lockWatchSeesHoldersComeAndGo() {
    h.file(writer, "/l", "");
    ok(h.watch(watcher, "/l", WatchKind.WATCH_KIND_LOCK));
    var seq = h.lock(writer, "/l", LockMode.LOCK_MODE_EXCLUSIVE);
    ok(h.release(writer, "/l"));
    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(
        List.of(EventType.EVENT_TYPE_LOCK_ACQUIRED, EventType.EVENT_TYPE_LOCK_RELEASED),
        types(events));
    assertEquals(writer, events.get(0).getSessionId());
    assertEquals(seq.getLockGeneration(), events.get(1).getLockGeneration());
    assertEquals(ReleaseReason.RELEASE_REASON_RELEASED, events.get(1).getReleaseReason());
  }

  @Test
  void watchesAreIdempotentAndUnwatchStopsEvents() {
    ok(h.watch(watcher, "/f", WatchKind.WATCH_KIND_CONTENTS));
    ok(h.watch(watcher, "/f", WatchKind.WATCH_KIND_CONTENTS));
    assertEquals(1, h.ns.getSession(watcher).getWatches());
    h.file(writer, "/f", "");
    ok(
        h.client(
            watcher,
            b ->
                b.setUnwatch(
                    UnwatchOp.newBuilder().setPath("/f").setKind(WatchKind.WATCH_KIND_CONTENTS))));
    ok(
        h.client(
            watcher,
            b ->
                b.setUnwatch(
                    UnwatchOp.newBuilder().setPath("/f").setKind(WatchKind.WATCH_KIND_CONTENTS))));
    h.set(writer, "/f", "x");
    assertEquals(1, h.ns.eventsSince(watcher, 0).size());
    assertEquals(0, h.ns.getSession(watcher).getWatches());
  }

  @Test
  void watchRefusals() {
    h.file(writer, "/f", "");
    watchFails(
        "/f",
        WatchKind.WATCH_KIND_CHILDREN,
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_WRONG_NODE_KIND);
    watchFails(
        "/f",
        WatchKind.WATCH_KIND_UNSPECIFIED,
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    watchFails(
        "f",
        WatchKind.WATCH_KIND_CONTENTS,
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
    Harness small = new Harness(NamespaceLimits.builder().maxWatchesPerSession(1).build());
    long s = small.session();
    ok(small.watch(s, "/a", WatchKind.WATCH_KIND_CONTENTS));
    small.failsUnchanged(
        s,
        b -> b.setWatch(WatchOp.newBuilder().setPath("/b").setKind(WatchKind.WATCH_KIND_CONTENTS)),
        ErrorCode.ERROR_CODE_RESOURCE_EXHAUSTED,
        ErrorReason.ERROR_REASON_LIMIT_REACHED);
  }

  @Test
  void aFullBufferDropsTheOldestAndOlderResumesGetResync() {
    Harness small = new Harness(NamespaceLimits.builder().maxEventsPerSession(3).build());
    long w = small.session();
    long x = small.session();
    small.file(x, "/f", "0");
    ok(small.watch(w, "/f", WatchKind.WATCH_KIND_CONTENTS));
    long[] index = new long[5];
    for (int i = 0; i < 5; i++) {
      index[i] = ok(small.set(x, "/f", "v" + i)).getIndex();
    }
    List<Event> fromStart = small.ns.eventsSince(w, 0);
    assertEquals(EventType.EVENT_TYPE_RESYNC, fromStart.get(0).getType());
    assertEquals(index[1], fromStart.get(0).getIndex());
    assertEquals(
        List.of(index[2], index[3], index[4]),
        fromStart.subList(1, 4).stream().map(Event::getIndex).toList());
    assertEquals(EventType.EVENT_TYPE_RESYNC, small.ns.eventsSince(w, index[0]).get(0).getType());
    List<Event> fromKept = small.ns.eventsSince(w, index[1]);
    assertEquals(
        List.of(index[2], index[3], index[4]), fromKept.stream().map(Event::getIndex).toList());
    assertEquals(List.of(), small.ns.eventsSince(w, index[4]));
  }

  @Test
  void acknowledgedEventsAreDiscardedWithoutResync() {
    ok(h.watch(watcher, "/f", WatchKind.WATCH_KIND_CONTENTS));
    h.file(writer, "/f", "");
    long changed = ok(h.set(writer, "/f", "x")).getIndex();
    long next = h.lastSequence(watcher) + 1;
    CommandHeader header =
        h.header(watcher, next).toBuilder().setAckedEventIndex(changed - 1).build();
    ok(
        h.apply(
            NamespaceCommand.newBuilder()
                .setHeader(header)
                .setUnwatch(UnwatchOp.newBuilder().setPath("/g").setKind(WatchKind.WATCH_KIND_LOCK))
                .build()));
    assertEquals(1, h.ns.getSession(watcher).getBufferedEvents());
    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(1, events.size(), "no RESYNC: the client had seen what was discarded");
    assertEquals(changed, events.get(0).getIndex());
  }

  @Test
  void eventsOfOneCommandShareItsIndex() {
    long owner = h.session();
    h.ephemeral(owner, "/e1");
    h.ephemeral(owner, "/e2");
    ok(h.watch(watcher, "/", WatchKind.WATCH_KIND_CHILDREN));
    long closed = ok(h.close(owner)).getIndex();
    List<Event> events = h.ns.eventsSince(watcher, 0);
    assertEquals(2, events.size());
    assertTrue(events.stream().allMatch(e -> e.getIndex() == closed));
    assertEquals(
        List.of("e2", "e1"),
        events.stream().map(Event::getChildName).toList(),
        "deepest and last first");
  }

  private void watchFails(String path, WatchKind kind, ErrorCode code, ErrorReason reason) {
    h.failsUnchanged(
        watcher, b -> b.setWatch(WatchOp.newBuilder().setPath(path).setKind(kind)), code, reason);
  }

  private static List<EventType> types(List<Event> events) {
    return events.stream().map(Event::getType).toList();
  }
}
