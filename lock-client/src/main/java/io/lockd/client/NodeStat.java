package io.lockd.client;

import io.lockd.proto.v1.Stat;
import java.time.Duration;
import java.time.Instant;

/**
 * The metadata of a node, as of the index the read reflects.
 *
 * <pre>{@code
 * NodeStat st = client.stat("/config/db");
 * client.setContentsIf("/config/db", newBytes, st.contentGeneration()); // compare-and-set
 * }</pre>
 *
 * @param path the node's full path
 * @param kind file or directory
 * @param instance unique per creation: a node deleted and created again gets a larger one
 * @param contentGeneration 1 at creation, one more with every write of the contents
 * @param lockGeneration the generation of the latest lock grant on the node (0: never granted)
 * @param checksum CRC32C of the contents (0 for a directory or empty contents)
 * @param created leader time of creation
 * @param modified leader time of the last change of contents
 * @param contentLength length of the contents in bytes
 * @param childCount number of children (directories)
 * @param ephemeralOwner the owning session of an ephemeral node, 0 if permanent
 * @param lockDelay the node's lock-delay: how long its lock stays unavailable after a holder's
 *     session expired while holding it
 * @param index the index of the cell's state this stat reflects
 * @param aclGeneration grows with every change of the node's ACL (0: the one it got at creation)
 */
public record NodeStat(
    String path,
    NodeKind kind,
    long instance,
    long contentGeneration,
    long lockGeneration,
    int checksum,
    Instant created,
    Instant modified,
    int contentLength,
    int childCount,
    long ephemeralOwner,
    Duration lockDelay,
    long index,
    long aclGeneration) {

  /** True if the node goes away with its owning session. */
  public boolean isEphemeral() {
    return ephemeralOwner != 0;
  }

  static NodeStat fromProto(Stat s, long index) {
    return new NodeStat(
        s.getPath(),
        NodeKind.fromProto(s.getKind()),
        s.getInstance(),
        s.getContentGeneration(),
        s.getLockGeneration(),
        s.getChecksum(),
        Instant.ofEpochMilli(s.getCtimeMillis()),
        Instant.ofEpochMilli(s.getMtimeMillis()),
        s.getContentLength(),
        s.getChildCount(),
        s.getEphemeralOwner(),
        Duration.ofMillis(s.getLockDelayMillis()),
        index,
        s.getAclGeneration());
  }
}
