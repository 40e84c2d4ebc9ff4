package io.lockd.client;

/**
 * What a node is: a {@link #FILE} holds contents, a {@link #DIRECTORY} holds children.
 *
 * <pre>{@code
 * if (client.stat("/config").kind() == NodeKind.DIRECTORY) { ... }
 * }</pre>
 */
public enum NodeKind {
  FILE,
  DIRECTORY;

  static NodeKind fromProto(io.lockd.proto.v1.NodeKind kind) {
    return kind == io.lockd.proto.v1.NodeKind.NODE_KIND_DIRECTORY ? DIRECTORY : FILE;
  }

  io.lockd.proto.v1.NodeKind toProto() {
    return this == DIRECTORY
        ? io.lockd.proto.v1.NodeKind.NODE_KIND_DIRECTORY
        : io.lockd.proto.v1.NodeKind.NODE_KIND_FILE;
  }
}
