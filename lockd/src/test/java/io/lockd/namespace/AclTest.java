package io.lockd.namespace;

import static io.lockd.namespace.Harness.fails;
import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SetAclOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.Acl;
import io.lockd.proto.v1.AclEntry;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.WatchKind;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Node ACLs (docs/security.md, "ACLs and admin rights"): every operation allowed and denied, the
 * open default, inheritance, groups, session ownership, and that a refusal changes nothing.
 */
class AclTest {
  private final Harness h = new Harness();
  private final long root = h.sessionAs("root");
  private final long alice = h.sessionAs("alice");
  private final long bob = h.sessionAs("bob");

  /** "alice:rwla group:ops:r anyone:r" as an ACL. */
  static Acl acl(String text) {
    Acl.Builder b = Acl.newBuilder();
    for (String entry : text.trim().isEmpty() ? new String[0] : text.trim().split(" +")) {
      int colon = entry.lastIndexOf(':');
      String rights = entry.substring(colon + 1);
      b.addEntries(
          AclEntry.newBuilder()
              .setPrincipal(entry.substring(0, colon))
              .setRead(rights.contains("r"))
              .setWrite(rights.contains("w"))
              .setLock(rights.contains("l"))
              .setAdmin(rights.contains("a")));
    }
    return b.build();
  }

  private NamespaceResult setAcl(long session, String path, String text) {
    return h.client(
        session, b -> b.setSetAcl(SetAclOp.newBuilder().setPath(path).setAcl(acl(text))));
  }

  /** /d with [alice: all] and, inside, /d/f (inherited) and /d/sub (inherited). */
  private void aliceOwnsD() {
    h.dir(root, "/d");
    h.file(root, "/d/f", "x");
    h.dir(root, "/d/sub");
    for (String p : new String[] {"/d/sub", "/d/f", "/d"}) {
      ok(setAcl(root, p, "alice:rwla"));
    }
  }

  /** Bob's command is refused PERMISSION_DENIED naming the node and right, and changes nothing. */
  private void bobDenied(Consumer<NamespaceCommand.Builder> op, String node, String right) {
    long before = checksumWithoutBookkeeping();
    NamespaceResult r =
        h.failsUnchanged(
            bob,
            op,
            ErrorCode.ERROR_CODE_PERMISSION_DENIED,
            ErrorReason.ERROR_REASON_PERMISSION_DENIED);
    assertEquals(before, checksumWithoutBookkeeping(), "a denied command changed the state");
    String message = r.getError().getMessage();
    assertTrue(message.contains("\"bob\""), message);
    assertTrue(message.contains("the " + right + " right on node \"" + node + "\""), message);
  }

  private long checksumWithoutBookkeeping() {
    return Checksums.state(Harness.withoutBookkeeping(h.ns.snapshot()).toByteArray());
  }

  private static void readDenied(Supplier<?> read, String node) {
    NamespaceException e = assertThrows(NamespaceException.class, read::get);
    assertEquals(ErrorCode.ERROR_CODE_PERMISSION_DENIED, e.code());
    assertTrue(e.getMessage().contains("the read right on node \"" + node + "\""), e.getMessage());
  }

  private static Consumer<NamespaceCommand.Builder> create(String path) {
    return b ->
        b.setCreateNode(CreateNodeOp.newBuilder().setPath(path).setKind(NodeKind.NODE_KIND_FILE));
  }

  private static Consumer<NamespaceCommand.Builder> set(String path, String text) {
    return b ->
        b.setSetContents(
            SetContentsOp.newBuilder().setPath(path).setContents(ByteString.copyFromUtf8(text)));
  }

  private static Consumer<NamespaceCommand.Builder> acquire(String path) {
    return b ->
        b.setAcquire(AcquireOp.newBuilder().setPath(path).setMode(LockMode.LOCK_MODE_EXCLUSIVE));
  }

  @Test
  void aCellWithNoAclsSetLetsEveryoneDoEverything() {
    long anonymous = h.session();
    h.dir(anonymous, "/open");
    h.file(bob, "/open/f", "1");
    ok(h.set(alice, "/open/f", "2"));
    h.lock(anonymous, "/open/f", LockMode.LOCK_MODE_EXCLUSIVE);
    ok(h.release(anonymous, "/open/f"));
    assertEquals("2", h.ns.getContentsAndStat("", "/open/f").getContents().toStringUtf8());
    assertEquals(acl("anyone:rwla"), h.ns.getAcl("", "/open/f").getAcl());
    assertEquals(0, h.ns.getStat("", "/open/f").getStat().getAclGeneration());
    ok(h.delete(bob, "/open/f"));
  }

  @Test
  void createNeedsWriteOnTheParent() {
    aliceOwnsD();
    bobDenied(create("/d/new"), "/d", "write");
    ok(h.client(alice, create("/d/new")));
  }

  @Test
  void deleteNeedsWriteOnTheNodeAndOnItsParent() {
    aliceOwnsD();
    h.file(root, "/e", "");
    ok(setAcl(root, "/e", "bob:rwla"));
    bobDenied(b -> b.setDeleteNode(DeleteNodeOp.newBuilder().setPath("/d/f")), "/d/f", "write");
    // Write on the node alone is not enough: deleting changes the parent's listing too.
    ok(setAcl(alice, "/d/f", "alice:rwla bob:w"));
    bobDenied(b -> b.setDeleteNode(DeleteNodeOp.newBuilder().setPath("/d/f")), "/d", "write");
    ok(h.delete(alice, "/d/f"));
    ok(h.delete(bob, "/e")); // the root is open
  }

  @Test
  void setContentsNeedsWrite() {
    aliceOwnsD();
    bobDenied(set("/d/f", "bob was here"), "/d/f", "write");
    ok(h.client(alice, set("/d/f", "y")));
  }

  @Test
  void readsNeedRead() {
    aliceOwnsD();
    readDenied(() -> h.ns.getStat("bob", "/d/f"), "/d/f");
    readDenied(() -> h.ns.getContentsAndStat("bob", "/d/f"), "/d/f");
    readDenied(
        () -> h.ns.listChildren("bob", ListChildrenRequest.newBuilder().setPath("/d").build()),
        "/d");
    readDenied(
        () -> h.ns.getLockInfo("bob", GetLockInfoRequest.newBuilder().setPath("/d/f").build()),
        "/d/f");
    readDenied(() -> h.ns.getAcl("bob", "/d/f"), "/d/f");
    readDenied(() -> h.ns.getStat("", "/d/f"), "/d/f"); // anonymous: matched by "anyone" only

    assertEquals("x", h.ns.getContentsAndStat("alice", "/d/f").getContents().toStringUtf8());
    h.ns.getStat("alice", "/d/f");
    h.ns.listChildren("alice", ListChildrenRequest.newBuilder().setPath("/d").build());
    h.ns.getLockInfo("alice", GetLockInfoRequest.newBuilder().setPath("/d/f").build());
    assertEquals(acl("alice:rwla"), h.ns.getAcl("alice", "/d/f").getAcl());
    // A node that does not exist is NOT_FOUND, as before.
    NamespaceException missing =
        assertThrows(NamespaceException.class, () -> h.ns.getStat("bob", "/d/none"));
    assertEquals(ErrorCode.ERROR_CODE_NOT_FOUND, missing.code());
  }

  @Test
  void acquireAndReleaseNeedLock() {
    aliceOwnsD();
    ok(setAcl(alice, "/d/f", "alice:rwla bob:r"));
    bobDenied(acquire("/d/f"), "/d/f", "lock");
    h.lock(alice, "/d/f", LockMode.LOCK_MODE_EXCLUSIVE);
    ok(setAcl(alice, "/d/f", "alice:rwla bob:rl"));
    ok(h.acquire(bob, "/d/f", LockMode.LOCK_MODE_EXCLUSIVE, 60_000)); // queued
    ok(setAcl(alice, "/d/f", "alice:rwla bob:r"));
    bobDenied(b -> b.setRelease(ReleaseOp.newBuilder().setPath("/d/f")), "/d/f", "lock");
    ok(h.release(alice, "/d/f"));
  }

  @Test
  void watchNeedsReadOnTheNodeOrTheAncestorItWouldInherit() {
    aliceOwnsD();
    bobDenied(
        b ->
            b.setWatch(WatchOp.newBuilder().setPath("/d/f").setKind(WatchKind.WATCH_KIND_CONTENTS)),
        "/d/f",
        "read");
    bobDenied(
        b ->
            b.setWatch(
                WatchOp.newBuilder()
                    .setPath("/d/sub/later/x")
                    .setKind(WatchKind.WATCH_KIND_CONTENTS)),
        "/d/sub",
        "read");
    ok(h.watch(alice, "/d/sub/later/x", WatchKind.WATCH_KIND_CONTENTS));
    ok(h.watch(bob, "/elsewhere", WatchKind.WATCH_KIND_CONTENTS)); // under the open root
  }

  @Test
  void setAclNeedsAdminAndGrowsTheGeneration() {
    aliceOwnsD();
    ok(setAcl(alice, "/d/f", "alice:rwa bob:rwl"));
    bobDenied(
        b -> b.setSetAcl(SetAclOp.newBuilder().setPath("/d/f").setAcl(acl("bob:rwla"))),
        "/d/f",
        "admin");
    ok(setAcl(alice, "/d/f", "alice:rwla"));
    long generation = h.ns.getStat("alice", "/d/f").getStat().getAclGeneration();
    assertEquals(3, generation, "three changes: in aliceOwnsD and two here");
    NamespaceResult changed =
        ok(
            h.client(
                alice,
                b ->
                    b.setSetAcl(
                        SetAclOp.newBuilder()
                            .setPath("/d/f")
                            .setAcl(acl("alice:rwla bob:r"))
                            .setExpectedAclGeneration(generation))));
    assertEquals(generation + 1, changed.getStat().getAclGeneration());
    h.failsUnchanged(
        alice,
        b ->
            b.setSetAcl(
                SetAclOp.newBuilder()
                    .setPath("/d/f")
                    .setAcl(acl("alice:rwla"))
                    .setExpectedAclGeneration(generation)),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_GENERATION_MISMATCH);
    assertEquals("x", h.ns.getContentsAndStat("bob", "/d/f").getContents().toStringUtf8());
  }

  @Test
  void anAclChangeInvalidatesCachedCopiesOfTheNode() {
    h.file(root, "/cached", "c");
    java.util.List<String> changed = new java.util.ArrayList<>();
    h.ns.onFileChanges((path, index) -> changed.add(path));
    ok(setAcl(root, "/cached", "root:rwla"));
    // A client that cached /cached may have lost the right to read it: it must ask again.
    assertEquals(java.util.List.of("/cached"), changed);
  }

  @Test
  void aMalformedAclIsRefused() {
    h.file(root, "/f", "");
    for (String bad :
        new String[] {"alice:r alice:w", ":r", "alice:", "group::r", "group:a/b:r", "x\u0007:r"}) {
      NamespaceResult r = setAcl(root, "/f", bad);
      fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    }
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= io.lockd.namespace.Acl.ENTRIES_MAX; i++) {
      many.append(" u").append(i).append(":r");
    }
    NamespaceResult r = setAcl(root, "/f", many.toString());
    fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    assertTrue(r.getError().getMessage().contains("ENTRIES_MAX=64"), r.getError().getMessage());
    assertEquals(0, h.ns.getStat("/f").getStat().getAclGeneration());
  }

  @Test
  void aNewNodeInheritsItsParentsAclAsItWasThen() {
    h.dir(root, "/p");
    ok(setAcl(root, "/p", "alice:rwla bob:r"));
    h.file(alice, "/p/child", "");
    assertEquals(acl("alice:rwla bob:r"), h.ns.getAcl("alice", "/p/child").getAcl());
    assertEquals(0, h.ns.getStat("alice", "/p/child").getStat().getAclGeneration());
    ok(setAcl(alice, "/p", "alice:rwla"));
    // The child kept its copy: the parent's later change does not reach it.
    assertEquals(acl("alice:rwla bob:r"), h.ns.getAcl("bob", "/p/child").getAcl());
    readDenied(() -> h.ns.getStat("bob", "/p"), "/p");
  }

  @Test
  void aGroupChangeTakesEffectAtTheNextCommand() {
    h.dir(root, "/lockd");
    h.dir(root, "/lockd/groups");
    h.file(root, "/lockd/groups/ops", "# operators\ncarol\n");
    h.dir(root, "/svc");
    ok(setAcl(root, "/svc", "root:rwla group:ops:rw"));
    bobDenied(create("/svc/x"), "/svc", "write");
    ok(h.set(root, "/lockd/groups/ops", "carol\n  bob  \n\n"));
    ok(h.client(bob, create("/svc/x")));
    ok(h.set(root, "/lockd/groups/ops", "carol"));
    bobDenied(create("/svc/y"), "/svc", "write");
    // A group nobody defined has no members.
    ok(setAcl(root, "/svc", "root:rwla group:nobody-defined-this:rw"));
    bobDenied(create("/svc/y"), "/svc", "write");
  }

  @Test
  void aMalformedGroupFileIsRefusedWhenWrittenAndWhenUsed() {
    h.dir(root, "/lockd");
    h.dir(root, "/lockd/groups");
    for (String bad : new String[] {"alice\nanyone\n", "group:ops", "a\u0007b"}) {
      NamespaceResult r = h.create(root, "/lockd/groups/bad", NodeKind.NODE_KIND_FILE, false, bad);
      fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_GROUP_FILE);
      assertTrue(
          r.getError().getMessage().contains("\"/lockd/groups/bad\""), r.getError().getMessage());
    }
    h.file(root, "/lockd/groups/ops", "bob\n");
    NamespaceResult r = h.set(root, "/lockd/groups/ops", "bob\n\u0000\n");
    fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_GROUP_FILE);
    assertTrue(r.getError().getMessage().contains("line 2"), r.getError().getMessage());
    // A file written before the rule (here: edited into a snapshot) is refused when used.
    h.dir(root, "/svc");
    ok(setAcl(root, "/svc", "root:rwla group:ops:rw"));
    Snapshot.Builder snap = parse(h.ns.snapshot()).toBuilder();
    for (NodeRecord.Builder n : snap.getNodesBuilderList()) {
      if (n.getPath().equals("/lockd/groups/ops")) {
        n.setContents(ByteString.copyFrom(new byte[] {(byte) 0xff, '\n'}));
      }
    }
    h.ns.restore(snap.build().toByteArray());
    NamespaceResult used = h.client(bob, create("/svc/x"));
    fails(used, ErrorCode.ERROR_CODE_FAILED_PRECONDITION, ErrorReason.ERROR_REASON_BAD_GROUP_FILE);
    assertTrue(used.getError().getMessage().contains("not UTF-8"), used.getError().getMessage());
  }

  @Test
  void aSessionAnswersOnlyToTheIdentityThatCreatedIt() {
    h.file(alice, "/mine", "a");
    long before = checksumWithoutBookkeeping();
    Snapshot whole = parse(h.ns.snapshot());
    NamespaceResult stolen = h.clientAs("bob", alice, set("/mine", "stolen"));
    fails(
        stolen, ErrorCode.ERROR_CODE_PERMISSION_DENIED, ErrorReason.ERROR_REASON_PERMISSION_DENIED);
    assertTrue(
        stolen.getError().getMessage().contains("belongs to identity \"alice\""),
        stolen.getError().getMessage());
    assertEquals(before, checksumWithoutBookkeeping());
    // Not even the owner's exactly-once record moved: only the index and clock did.
    assertEquals(
        whole.getSessionsList(), parse(h.ns.snapshot()).getSessionsList(), "sessions unchanged");
    assertEquals("a", h.ns.getContentsAndStat("/mine").getContents().toStringUtf8());
    assertEquals("alice", h.ns.getSession(alice).getCreator());
    ok(h.set(alice, "/mine", "b"));
  }

  @Test
  void aclsAndCreatorsSurviveASnapshotByteForByte() {
    h.dir(root, "/d");
    ok(setAcl(root, "/d", "alice:rwla group:ops:r"));
    h.file(alice, "/d/inherits", "");
    h.file(alice, "/d/own", "");
    ok(setAcl(alice, "/d/own", "bob:rw alice:a"));
    ok(setAcl(root, "/", "root:rwla anyone:r"));
    byte[] bytes = h.ns.snapshot();
    Snapshot snap = parse(bytes);
    assertEquals(3, snap.getFormatVersion());
    for (NodeRecord n : snap.getNodesList()) {
      // Only where it differs from the parent's: sharing stays cheap on disk too.
      assertEquals(!n.getPath().equals("/d/inherits"), n.hasAcl(), n.getPath() + " " + n.getAcl());
    }

    Namespace twin = new Namespace();
    twin.restore(bytes);
    assertArrayEquals(bytes, twin.snapshot());
    assertEquals(h.ns.stateChecksum(), twin.stateChecksum());
    assertEquals(acl("alice:rwla group:ops:r"), twin.getAcl("alice", "/d/inherits").getAcl());
    assertEquals(1, twin.getStat("bob", "/d/own").getStat().getAclGeneration());
    assertEquals("bob", twin.getSession(bob).getCreator());
    readDenied(() -> twin.getStat("bob", "/d/inherits"), "/d/inherits");
  }

  @Test
  void aFormatTwoSnapshotIsReadAsOpenAndAnonymous() {
    h.file(alice, "/f", "");
    ok(setAcl(alice, "/f", "alice:rwla"));
    Snapshot.Builder old = parse(h.ns.snapshot()).toBuilder().setFormatVersion(2);
    old.getNodesBuilderList().forEach(n -> n.clearAcl().clearAclGeneration());
    old.getSessionsBuilderList().forEach(s -> s.clearCreator());
    Namespace twin = new Namespace();
    twin.restore(old.build().toByteArray());
    assertEquals(acl("anyone:rwla"), twin.getAcl("bob", "/f").getAcl());
    assertEquals("", twin.getSession(alice).getCreator());
    assertFalse(parse(twin.snapshot()).getNodes(1).hasAcl());
  }

  private static Snapshot parse(byte[] bytes) {
    try {
      return Snapshot.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
