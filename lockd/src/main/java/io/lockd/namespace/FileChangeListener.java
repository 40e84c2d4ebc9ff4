package io.lockd.namespace;

/**
 * Hears, while a command is applied, that a node's cacheable state changed: its contents and stat
 * (contents, lock generation), its existence. The server's consistent cache uses it to invalidate
 * what clients cached (docs/server.md, "Consistent cache"). It observes and must not change the
 * namespace, so applying stays deterministic whoever listens.
 */
@FunctionalInterface
public interface FileChangeListener {
  FileChangeListener NONE = (path, index) -> {};

  /** The node at {@code path} changed at command {@code index}. */
  void changed(String path, long index);
}
