package io.lockd.it;

import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Keeps one session alive the way a client library would: a KeepAlive stream to the member believed
 * to lead, a request every {@code intervalMillis}; when the stream ends (the leader died, or a
 * follower refused it with a leader hint) a new stream to the hinted leader, or to the next member,
 * resuming from the newest event seen. Records every event, counts events that arrived a second
 * time, and stops when the session is reported expired, when closed, or after {@code
 * lifetimeMillis} at most.
 */
public final class SessionKeeper implements AutoCloseable {
  public final long sessionId;
  private final CellClient client;
  private final long intervalMillis;
  private final long endNanos;
  private final Object lock = new Object();
  private final List<Event> events = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  // guarded by lock
  private long lastSeen;
  private int repeated;
  private int leaderChanges;
  private int streamsOpened;
  private boolean expired;
  private long lastResponseNanos;
  private Stream current;

  public SessionKeeper(
      CellClient client, long sessionId, long intervalMillis, long lifetimeMillis) {
    this.client = client;
    this.sessionId = sessionId;
    this.intervalMillis = intervalMillis;
    this.endNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lifetimeMillis);
    this.thread = new Thread(this::run, "keepalive-" + sessionId);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running && System.nanoTime() < endNanos) {
        Stream s;
        synchronized (lock) {
          if (expired) {
            return;
          }
          if (current != null && current.ended) {
            client.redirect(current.address, current.failure);
            current = null;
          }
          if (current == null) {
            current = new Stream(client.leader());
            streamsOpened++;
          }
          s = current;
          s.send(lastSeen);
          // Wait for the interval, or less if the stream ends (then reconnect at once, after a
          // short pause so that a cell without a leader is not hammered).
          long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
          while (!s.ended && running) {
            long left = TimeUnit.NANOSECONDS.toMillis(waitUntil - System.nanoTime());
            if (left <= 0) {
              break;
            }
            lock.wait(left);
          }
        }
        if (s.ended) {
          Thread.sleep(CellClient.hint(s.failure) != null ? 2 : 20);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One KeepAlive stream; its callbacks run on gRPC threads. */
  private final class Stream implements StreamObserver<KeepAliveResponse> {
    final String address;
    final StreamObserver<KeepAliveRequest> requests;
    boolean ended; // guarded by lock
    Throwable failure; // guarded by lock

    Stream(String address) {
      this.address = address;
      this.requests = SessionGrpc.newStub(client.channel(address)).keepAlive(this);
    }

    void send(long lastSeenIndex) {
      try {
        requests.onNext(
            KeepAliveRequest.newBuilder()
                .setSessionId(sessionId)
                .setLastSeenEventIndex(lastSeenIndex)
                .build());
      } catch (RuntimeException e) {
        ended = true; // the call is gone; onError follows or has run
      }
    }

    @Override
    public void onNext(KeepAliveResponse response) {
      synchronized (lock) {
        long before = lastSeen;
        for (Event e : response.getEventsList()) {
          if (e.getType() == EventType.EVENT_TYPE_LEADER_CHANGED) {
            leaderChanges++; // informational, not replayed; its index never advances the cursor
            continue;
          }
          if (e.getIndex() <= before) {
            repeated++;
            continue;
          }
          events.add(e);
          lastSeen = Math.max(lastSeen, e.getIndex());
          if (e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED) {
            expired = true;
          }
        }
        lastResponseNanos = System.nanoTime();
        lock.notifyAll();
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (lock) {
        ended = true;
        failure = t;
        lock.notifyAll();
      }
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        ended = true;
        lock.notifyAll();
      }
    }

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // ended already
      }
    }
  }

  public List<Event> events() {
    synchronized (lock) {
      return new ArrayList<>(events);
    }
  }

  public boolean expired() {
    synchronized (lock) {
      return expired;
    }
  }

  /** Events that arrived again after the client had seen their index (must stay 0). */
  public int repeated() {
    synchronized (lock) {
      return repeated;
    }
  }

  public int leaderChanges() {
    synchronized (lock) {
      return leaderChanges;
    }
  }

  public int streamsOpened() {
    synchronized (lock) {
      return streamsOpened;
    }
  }

  /** The monotonic time of the newest KeepAlive response (0 if none). */
  public long lastResponseNanos() {
    synchronized (lock) {
      return lastResponseNanos;
    }
  }

  /** Waits (bounded) for an event that matches; returns it, or null after the timeout. */
  public Event awaitEvent(Predicate<Event> match, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (lock) {
      while (true) {
        for (int i = events.size() - 1; i >= 0; i--) { // newest first: waits are for new events
          if (match.test(events.get(i))) {
            return events.get(i);
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return null;
        }
        lock.wait(Math.min(left, 50));
      }
    }
  }

  /** Waits (bounded) for a response received after {@code sinceNanos}; false on timeout. */
  public boolean awaitResponseAfter(long sinceNanos, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (lock) {
      while (lastResponseNanos - sinceNanos <= 0 || lastResponseNanos == 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.min(left, 50));
      }
      return true;
    }
  }

  @Override
  public void close() {
    running = false;
    synchronized (lock) {
      lock.notifyAll();
      if (current != null) {
        current.close();
      }
    }
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
