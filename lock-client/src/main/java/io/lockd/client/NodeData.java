package io.lockd.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A file's contents with its stat, read together at one index.
 *
 * <pre>{@code
 * NodeData d = client.getContents("/config/db");
 * String url = d.contentsAsString();
 * long generation = d.stat().contentGeneration();
 * }</pre>
 */
public final class NodeData {
  private final byte[] contents;
  private final NodeStat stat;

  NodeData(byte[] contents, NodeStat stat) {
    this.contents = contents;
    this.stat = stat;
  }

  /** A copy of the contents. */
  public byte[] contents() {
    return contents.clone();
  }

  /** The contents decoded as UTF-8. */
  public String contentsAsString() {
    return new String(contents, StandardCharsets.UTF_8);
  }

  public NodeStat stat() {
    return stat;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeData d && Arrays.equals(d.contents, contents) && d.stat.equals(stat);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(contents) * 31 + stat.hashCode();
  }

  @Override
  public String toString() {
    return "NodeData{"
        + stat.path()
        + ", "
        + contents.length
        + " bytes, generation "
        + stat.contentGeneration()
        + "}";
  }
}
