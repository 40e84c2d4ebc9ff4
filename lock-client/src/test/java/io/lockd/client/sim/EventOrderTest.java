package io.lockd.client.sim;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.client.LockMode;
import io.lockd.client.WatchEvent;
import io.lockd.client.WatchEvent.Type;
import io.lockd.client.WatchListener;
import org.junit.jupiter.api.Test;

/**
 * The watch-order checker of the client simulation flags what a watcher could not live with (a gap
 * in content generations, an event twice, an index going back, anything after WATCH_ENDED) and
 * accepts what the client promises (several events of one command at one index, a jump after
 * RESYNC).
 */
class EventOrderTest {
  private final Trace trace = new Trace();
  private final EventOrder order = new EventOrder(1, 7, trace);

  private static WatchEvent contents(long index, long generation) {
    return new WatchEvent(
        Type.CONTENTS_CHANGED,
        "/d",
        index,
        1,
        generation,
        "",
        0,
        null,
        0,
        WatchEvent.ReleaseReason.UNSPECIFIED);
  }

  private static WatchEvent lock(Type type, long index, long session) {
    return new WatchEvent(
        type,
        "/l",
        index,
        1,
        0,
        "",
        session,
        LockMode.EXCLUSIVE,
        index,
        WatchEvent.ReleaseReason.RELEASED);
  }

  private static WatchEvent signal(Type type, String path, long index) {
    return new WatchEvent(
        type, path, index, 0, 0, "", 0, null, 0, WatchEvent.ReleaseReason.UNSPECIFIED);
  }

  @Test
  void whatTheClientPromisesPasses() {
    WatchListener d = order.watch("/d");
    WatchListener l = order.watch("/l");
    d.onEvent(contents(10, 3));
    d.onEvent(contents(12, 4));
    d.onEvent(signal(Type.RESYNC, "/d", 20));
    d.onEvent(contents(25, 9));
    l.onEvent(lock(Type.LOCK_RELEASED, 11, 1));
    l.onEvent(lock(Type.LOCK_ACQUIRED, 11, 2)); // a release that hands the lock on
    d.onEvent(signal(Type.WATCH_ENDED, "/d", 30));
    assertNull(trace.violation());
  }

  @Test
  void aGapInContentGenerationsFails() {
    WatchListener d = order.watch("/d");
    d.onEvent(contents(10, 3));
    d.onEvent(contents(12, 5));
    assertTrue(trace.violation().contains("generation 5"), trace.violation());
  }

  @Test
  void anEventTwiceFails() {
    WatchListener l = order.watch("/l");
    l.onEvent(lock(Type.LOCK_ACQUIRED, 11, 2));
    l.onEvent(lock(Type.LOCK_ACQUIRED, 11, 2));
    assertTrue(trace.violation().startsWith("events:"), trace.violation());
  }

  @Test
  void anIndexGoingBackFails() {
    WatchListener l = order.watch("/l");
    l.onEvent(lock(Type.LOCK_ACQUIRED, 11, 2));
    l.onEvent(lock(Type.LOCK_RELEASED, 9, 2));
    assertTrue(trace.violation().startsWith("events:"), trace.violation());
  }

  @Test
  void anEventAfterTheEndOrOnAnotherPathFails() {
    WatchListener d = order.watch("/d");
    d.onEvent(signal(Type.WATCH_ENDED, "/d", 30));
    d.onEvent(contents(31, 1));
    assertTrue(trace.violation().contains("after WATCH_ENDED"), trace.violation());
    Trace other = new Trace();
    new EventOrder(2, 8, other).watch("/x").onEvent(contents(1, 1));
    assertTrue(other.violation().contains("on its watch of /x"), other.violation());
  }
}
