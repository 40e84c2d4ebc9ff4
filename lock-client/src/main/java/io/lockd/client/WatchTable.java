package io.lockd.client;

import io.lockd.proto.v1.UnwatchRequest;
import io.lockd.proto.v1.UnwatchResponse;
import io.lockd.proto.v1.WatchGrpc;
import io.lockd.proto.v1.WatchRequest;
import io.lockd.proto.v1.WatchResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's watches. One cell subscription per (path, kind) serves any number of listeners; it is
 * made with the first listener and dropped with the last. A listener receives the events after its
 * start index: for the first, the index the Watch answer carries (events that overtake that answer
 * on the KeepAlive stream are held until it is delivered); for later ones, the index the client had
 * seen when they joined. Loop thread only.
 */
final class WatchTable {
  private static final Logger log = LoggerFactory.getLogger(WatchTable.class);

  /** Events held for a listener whose Watch answer has not arrived; beyond this, a RESYNC. */
  static final int PENDING_EVENTS_MAX = 10_000;

  private final Session session;
  private final ClientContext ctx;
  private final DeliveryOrder order;
  private final Map<String, EnumMap<WatchKind, Entry>> byPath = new HashMap<>();

  /** One cell subscription. */
  private static final class Entry {
    final String path;
    final WatchKind kind;
    final List<Sub> subs = new ArrayList<>();
    boolean subscribed;
    long startIndex;

    Entry(String path, WatchKind kind) {
      this.path = path;
      this.kind = kind;
    }
  }

  /** One listener. */
  private static final class Sub {
    final WatchListener listener;
    final CompletableFuture<Watch> result;
    List<WatchEvent> pending = new ArrayList<>();
    long fromIndex = -1;
    volatile boolean closed;

    Sub(WatchListener listener, CompletableFuture<Watch> result) {
      this.listener = listener;
      this.result = result;
    }
  }

  WatchTable(Session session, ClientContext ctx, DeliveryOrder order) {
    this.session = session;
    this.ctx = ctx;
    this.order = order;
  }

  int size() {
    int n = 0;
    for (EnumMap<WatchKind, Entry> m : byPath.values()) {
      n += m.size();
    }
    return n;
  }

  void add(String path, WatchKind kind, WatchListener listener, CompletableFuture<Watch> result) {
    Sub sub = new Sub(listener, result);
    Entry entry = byPath.computeIfAbsent(path, p -> new EnumMap<>(WatchKind.class)).get(kind);
    if (entry == null) {
      entry = new Entry(path, kind);
      byPath.get(path).put(kind, entry);
      entry.subs.add(sub);
      order.watchAdded();
      subscribe(entry);
      return;
    }
    entry.subs.add(sub);
    if (entry.subscribed) {
      start(entry, sub, Math.max(entry.startIndex, session.lastSeenEventIndex()));
    }
  }

  private void subscribe(Entry entry) {
    session.submit(
        WatchGrpc.getWatchMethod(),
        h ->
            WatchRequest.newBuilder()
                .setHeader(h)
                .setPath(entry.path)
                .setKind(entry.kind.toProto())
                .build(),
        (WatchResponse answer, LockdException error) -> {
          if (error != null) {
            dropEntry(entry, 0);
            for (Sub s : entry.subs) {
              ctx.dispatcher.fail(s.result, error);
            }
            return;
          }
          entry.subscribed = true;
          entry.startIndex = answer.getIndex();
          for (Sub s : List.copyOf(entry.subs)) {
            start(entry, s, answer.getIndex());
          }
          if (entry.subs.isEmpty()) {
            unsubscribe(entry);
          }
        });
  }

  /** Delivers the listener's Watch handle, then the events it was owed, in that order. */
  private void start(Entry entry, Sub sub, long fromIndex) {
    if (sub.result.isDone()) {
      remove(entry, sub); // the caller gave up waiting (timeout, cancel): nobody could close it
      return;
    }
    sub.fromIndex = fromIndex;
    Watch handle =
        new Watch(
            entry.path, entry.kind, fromIndex, () -> ctx.loop.execute(() -> remove(entry, sub)));
    ctx.dispatcher.complete(sub.result, handle);
    List<WatchEvent> owed = sub.pending;
    sub.pending = null;
    for (WatchEvent e : owed) {
      deliver(sub, e);
    }
  }

  private void remove(Entry entry, Sub sub) {
    if (sub.closed) {
      return;
    }
    sub.closed = true;
    entry.subs.remove(sub);
    if (entry.subs.isEmpty() && entry.subscribed && byPath.containsKey(entry.path)) {
      unsubscribe(entry);
    }
  }

  private void unsubscribe(Entry entry) {
    EnumMap<WatchKind, Entry> kinds = byPath.get(entry.path);
    if (kinds == null || kinds.get(entry.kind) != entry) {
      return;
    }
    kinds.remove(entry.kind);
    if (kinds.isEmpty()) {
      byPath.remove(entry.path);
    }
    session.submit(
        WatchGrpc.getUnwatchMethod(),
        h ->
            UnwatchRequest.newBuilder()
                .setHeader(h)
                .setPath(entry.path)
                .setKind(entry.kind.toProto())
                .build(),
        (UnwatchResponse answer, LockdException error) -> {
          if (error != null && !(error instanceof SessionExpiredException)) {
            log.warn("unwatch {} {} failed: {}", entry.kind, entry.path, error.getMessage());
          }
          order.watchRemoved(answer == null ? 0 : answer.getIndex());
        });
  }

  private void dropEntry(Entry entry, long index) {
    EnumMap<WatchKind, Entry> kinds = byPath.get(entry.path);
    if (kinds != null && kinds.get(entry.kind) == entry) {
      kinds.remove(entry.kind);
      if (kinds.isEmpty()) {
        byPath.remove(entry.path);
      }
      order.watchRemoved(index);
    }
  }

  void onEvent(WatchEvent e) {
    EnumMap<WatchKind, Entry> kinds = byPath.get(e.path());
    if (kinds == null) {
      return;
    }
    for (Entry entry : List.copyOf(kinds.values())) {
      if (e.concerns(entry.kind)) {
        for (Sub s : List.copyOf(entry.subs)) {
          offer(entry, s, e);
        }
      }
    }
  }

  /** The session's history overflowed: every listener must re-read. */
  void onResync(long index) {
    for (EnumMap<WatchKind, Entry> kinds : List.copyOf(byPath.values())) {
      for (Entry entry : List.copyOf(kinds.values())) {
        for (Sub s : List.copyOf(entry.subs)) {
          offer(entry, s, WatchEvent.signal(WatchEvent.Type.RESYNC, entry.path, index));
        }
      }
    }
  }

  /** The session ended: every listener gets WATCH_ENDED (or its pending subscription fails). */
  void onEnded(LockdException why) {
    for (EnumMap<WatchKind, Entry> kinds : List.copyOf(byPath.values())) {
      for (Entry entry : List.copyOf(kinds.values())) {
        for (Sub s : entry.subs) {
          if (s.pending != null) {
            ctx.dispatcher.fail(s.result, why);
          } else {
            deliver(
                s,
                WatchEvent.signal(
                    WatchEvent.Type.WATCH_ENDED, entry.path, session.lastSeenEventIndex()));
          }
        }
      }
    }
    byPath.clear();
  }

  private void offer(Entry entry, Sub s, WatchEvent e) {
    if (s.closed) {
      return;
    }
    if (s.pending != null) {
      if (s.pending.size() < PENDING_EVENTS_MAX) {
        s.pending.add(e);
      } else if (s.pending.get(s.pending.size() - 1).type() != WatchEvent.Type.RESYNC) {
        s.pending.add(WatchEvent.signal(WatchEvent.Type.RESYNC, entry.path, e.index()));
      }
      return;
    }
    deliver(s, e);
  }

  private void deliver(Sub s, WatchEvent e) {
    boolean signal = e.type() == WatchEvent.Type.RESYNC || e.type() == WatchEvent.Type.WATCH_ENDED;
    if (!signal && e.index() <= s.fromIndex) {
      return;
    }
    ctx.dispatcher.run(
        "a watch listener",
        () -> {
          if (!s.closed) {
            s.listener.onEvent(e);
          }
        });
  }
}
