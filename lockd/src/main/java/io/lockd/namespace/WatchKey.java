package io.lockd.namespace;

import io.lockd.proto.v1.WatchKind;
import java.util.Comparator;

/** What a watch follows: a path and a kind. Ordered by path, then kind. */
record WatchKey(String path, WatchKind kind) implements Comparable<WatchKey> {
  private static final Comparator<WatchKey> ORDER =
      Comparator.comparing(WatchKey::path).thenComparingInt(k -> k.kind().getNumber());

  @Override
  public int compareTo(WatchKey other) {
    return ORDER.compare(this, other);
  }
}
