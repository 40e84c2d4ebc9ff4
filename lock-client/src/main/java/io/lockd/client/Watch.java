package io.lockd.client;

/**
 * A subscription of a listener to changes on a path, made by {@link LockClient#watch}. Events reach
 * the listener in log order, each once, from the watch's start index on, across leader changes;
 * closing the watch stops them (the cell subscription ends when its last listener closes). The
 * watch belongs to the session it was made in: when that session ends, the listener gets a final
 * {@link WatchEvent.Type#WATCH_ENDED}.
 *
 * <pre>{@code
 * try (Watch w = client.watch("/config/db", WatchKind.CONTENTS, e -> reload())) {
 *   NodeData current = client.getContents("/config/db"); // state as of >= w.startIndex()
 *   ...
 * }
 * }</pre>
 */
public final class Watch implements AutoCloseable {
  private final String path;
  private final WatchKind kind;
  private final long startIndex;
  private final Runnable closer;

  Watch(String path, WatchKind kind, long startIndex, Runnable closer) {
    this.path = path;
    this.kind = kind;
    this.startIndex = startIndex;
    this.closer = closer;
  }

  public String path() {
    return path;
  }

  public WatchKind kind() {
    return kind;
  }

  /**
   * The index after which events are delivered: read the watched state after subscribing (any read
   * answers at an index at least this) and apply events on top of it.
   */
  public long startIndex() {
    return startIndex;
  }

  /** Stops delivery to this listener; idempotent and non-blocking. */
  @Override
  public void close() {
    closer.run();
  }
}
