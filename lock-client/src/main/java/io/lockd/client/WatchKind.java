package io.lockd.client;

/**
 * What a watch follows on its path: the node's {@link #CONTENTS} (creation, contents, deletion), a
 * directory's {@link #CHILDREN} (added, removed, the directory's deletion), or the node's {@link
 * #LOCK} holders (grants and releases, the node's deletion). A path need not exist to be watched.
 *
 * <pre>{@code
 * client.watch("/services/web", WatchKind.CHILDREN, e -> refreshBackends());
 * }</pre>
 */
public enum WatchKind {
  CONTENTS,
  CHILDREN,
  LOCK;

  io.lockd.proto.v1.WatchKind toProto() {
    return switch (this) {
      case CONTENTS -> io.lockd.proto.v1.WatchKind.WATCH_KIND_CONTENTS;
      case CHILDREN -> io.lockd.proto.v1.WatchKind.WATCH_KIND_CHILDREN;
      case LOCK -> io.lockd.proto.v1.WatchKind.WATCH_KIND_LOCK;
    };
  }
}
