package io.lockd.namespace;

import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.WatchKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The namespace names the sessions that got events or ended since the server last asked, so that
 * the leader pushes to those sessions' KeepAlive streams only: with 100,000 sessions connected, a
 * batch that fires one watch must not cost 100,000 lookups.
 */
class SessionNewsTest {
  private final Harness h = new Harness();

  private List<Long> drain() {
    List<Long> out = new ArrayList<>();
    assertTrue(h.ns.drainSessionNews(out::add), "the namespace knows which sessions");
    return out;
  }

  @Test
  void namesOnlyTheSessionsThatGotEventsOrEnded() {
    assertFalse(h.ns.drainSessionNews(id -> {}), "a new state: anyone may have news");
    long writer = h.session();
    long watcher = h.session();
    List<Long> idle = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      idle.add(h.session());
    }
    ok(h.watch(watcher, "/f", WatchKind.WATCH_KIND_CONTENTS));
    assertEquals(List.of(), drain(), "creating sessions and watches gives no one events");

    h.file(writer, "/f", "1");
    assertEquals(List.of(watcher), drain());
    assertEquals(List.of(), drain(), "drained");

    ok(h.close(idle.get(7)));
    ok(h.forceClose(idle.get(3)));
    assertEquals(List.of(idle.get(3), idle.get(7)), drain(), "ended sessions, ascending");
  }

  @Test
  void aRestoredStateMayGiveAnyoneNews() {
    long s = h.session();
    h.ns.drainSessionNews(id -> {});
    h.ns.restore(h.ns.snapshot());
    assertFalse(h.ns.drainSessionNews(id -> {}));
    ok(h.close(s));
    assertEquals(List.of(s), drain());
  }
}
