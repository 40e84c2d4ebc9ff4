package io.lockd.client.sim;

import io.lockd.client.WatchEvent;
import io.lockd.client.WatchListener;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the events a real client delivers to the application on one session's watches, through the
 * public watch API, against what the client promises ({@link WatchEvent}, {@link
 * io.lockd.client.Watch}):
 *
 * <ul>
 *   <li>each watch's events come with growing indexes, each once: an index below the watch's last
 *       one, or an event equal to one already delivered at that index, is a violation (several
 *       events of one command share its index, such as a release that hands the lock on);
 *   <li>the watched file's content generations arrive without gaps, unless a RESYNC says that
 *       events were dropped;
 *   <li>nothing follows WATCH_ENDED, and every event concerns the watched path.
 * </ul>
 *
 * Order is promised per watch, not across a session's watches: a watch whose Watch answer comes
 * late (lost, then answered again from the cell's memory of the request) is owed the events after
 * its start index, older than events other watches have had meanwhile (seed 10 of the first run of
 * this check). The order is what a watcher relies on to keep a copy of the state that matches the
 * cell's across leader changes, lost packets and resent KeepAlive answers. A violation goes to the
 * {@link Trace} (the run stops at its next step).
 */
final class EventOrder {
  private final int client;
  private final long session;
  private final Trace trace;

  /** Counts for the summary: events delivered, RESYNCs among them. */
  long events;

  long resyncs;

  /**
   * @param session the session the watches are made in, for the messages (the client may open a new
   *     one on the way: the checks hold for any one session)
   */
  EventOrder(int client, long session, Trace trace) {
    this.client = client;
    this.session = session;
    this.trace = trace;
  }

  /** A listener for a watch on {@code path} that checks what it is given. */
  WatchListener watch(String path) {
    return new Checked(path);
  }

  private final class Checked implements WatchListener {
    private final String path;
    private long lastIndex = -1;
    private final List<WatchEvent> atLastIndex = new ArrayList<>();
    private long lastGeneration = -1;
    private boolean ended;

    Checked(String path) {
      this.path = path;
    }

    @Override
    public void onEvent(WatchEvent e) {
      events++;
      if (ended) {
        fail("got " + e + " after WATCH_ENDED");
      } else if (!e.path().equals(path)) {
        fail("got " + e + " on its watch of " + path);
      }
      switch (e.type()) {
        case WATCH_ENDED -> ended = true;
        case RESYNC -> {
          resyncs++;
          lastGeneration = -1; // events were dropped: generations may jump
          advance(e.index());
        }
        default -> ordered(e);
      }
    }

    private void ordered(WatchEvent e) {
      if (e.index() < lastIndex || atLastIndex.contains(e)) {
        fail("got " + e + " after " + atLastIndex + " on its watch of " + path);
      }
      advance(e.index());
      atLastIndex.add(e);
      if (e.type() == WatchEvent.Type.CONTENTS_CHANGED) {
        long g = e.contentGeneration();
        if (lastGeneration >= 0 && g != lastGeneration + 1) {
          fail(
              "saw content generation "
                  + g
                  + " of "
                  + path
                  + " after "
                  + lastGeneration
                  + " with no RESYNC between");
        }
        lastGeneration = g;
      }
    }

    private void advance(long index) {
      if (index > lastIndex) {
        lastIndex = index;
        atLastIndex.clear();
      }
    }
  }

  private void fail(String what) {
    trace.fail("events: client " + client + " (watches made in session " + session + ") " + what);
  }
}
