package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.Stat;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * One node of the tree: its identity (path, kind, instance, owner), its contents and the counters
 * its {@link Stat} reports. Directories keep their children's names sorted; files keep none.
 */
final class Node {
  final String path;
  final NodeKind kind;

  /** Owning session of an ephemeral node; 0 for a permanent one. */
  final long ephemeralOwner;

  final long instance;
  final long ctimeMillis;
  final long lockDelayMillis;

  private ByteString contents;
  private int checksum;
  private long contentGeneration;
  private long lockGeneration;
  private long mtimeMillis;
  private final TreeSet<String> children;

  /** Shared with other nodes (see {@link Acl}); replaced, never changed, by SetAcl. */
  private Acl acl;

  /** Grows with every SetAcl; 0 while the node keeps the ACL it got at creation. */
  private long aclGeneration;

  /** A group file's parsed members (see {@link Groups}), until its contents change; else null. */
  private Set<String> groupMembers;

  Node(
      String path,
      NodeKind kind,
      long ephemeralOwner,
      long instance,
      long ctimeMillis,
      long lockDelayMillis,
      ByteString contents,
      Acl acl) {
    this.path = path;
    this.kind = kind;
    this.ephemeralOwner = ephemeralOwner;
    this.instance = instance;
    this.ctimeMillis = ctimeMillis;
    this.lockDelayMillis = lockDelayMillis;
    this.acl = acl;
    this.contents = contents;
    this.checksum = Checksums.contents(contents);
    this.contentGeneration = 1;
    this.mtimeMillis = ctimeMillis;
    this.children = kind == NodeKind.NODE_KIND_DIRECTORY ? new TreeSet<>() : null;
  }

  boolean isDirectory() {
    return kind == NodeKind.NODE_KIND_DIRECTORY;
  }

  boolean isEphemeral() {
    return ephemeralOwner != 0;
  }

  Acl acl() {
    return acl;
  }

  long aclGeneration() {
    return aclGeneration;
  }

  void setAcl(Acl newAcl) {
    acl = newAcl;
    aclGeneration++;
  }

  /** Sets the ACL a snapshot recorded (its generation goes through restoreCounters). */
  void restoreAcl(Acl restored) {
    acl = restored;
  }

  Set<String> groupMembers() {
    return groupMembers;
  }

  void cacheGroupMembers(Set<String> members) {
    groupMembers = members;
  }

  ByteString contents() {
    return contents;
  }

  long contentGeneration() {
    return contentGeneration;
  }

  long lockGeneration() {
    return lockGeneration;
  }

  long mtimeMillis() {
    return mtimeMillis;
  }

  /** The children's names, ascending; empty for a file. */
  NavigableSet<String> children() {
    return children == null
        ? Collections.emptyNavigableSet()
        : Collections.unmodifiableNavigableSet(children);
  }

  void addChild(String name) {
    children.add(name);
  }

  void removeChild(String name) {
    children.remove(name);
  }

  void setContents(ByteString newContents, long nowMillis) {
    contents = newContents;
    checksum = Checksums.contents(newContents);
    contentGeneration++;
    mtimeMillis = nowMillis;
    groupMembers = null;
  }

  void setLockGeneration(long generation) {
    lockGeneration = generation;
  }

  /** Sets the counters a snapshot recorded (contents go through the constructor). */
  void restoreCounters(
      long contentGeneration, long lockGeneration, long aclGeneration, long mtimeMillis) {
    this.contentGeneration = contentGeneration;
    this.aclGeneration = aclGeneration;
    this.lockGeneration = lockGeneration;
    this.mtimeMillis = mtimeMillis;
  }

  Stat stat() {
    return Stat.newBuilder()
        .setPath(path)
        .setKind(kind)
        .setInstance(instance)
        .setContentGeneration(contentGeneration)
        .setLockGeneration(lockGeneration)
        .setAclGeneration(aclGeneration)
        .setChecksum(checksum)
        .setCtimeMillis(ctimeMillis)
        .setMtimeMillis(mtimeMillis)
        .setContentLength(contents.size())
        .setChildCount(children == null ? 0 : children.size())
        .setEphemeralOwner(ephemeralOwner)
        .setLockDelayMillis(lockDelayMillis)
        .build();
  }
}
