package io.lockd.namespace;

import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.Stat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class NodeOpsTest {
  private final Harness h = new Harness();
  private final long s = h.session();

  @Test
  void createsFilesAndDirectoriesWithStat() {
    Stat dir = h.dir(s, "/app");
    h.advance(5);
    Stat file = h.file(s, "/app/config", "hello");

    assertEquals(NodeKind.NODE_KIND_DIRECTORY, dir.getKind());
    assertEquals(NodeKind.NODE_KIND_FILE, file.getKind());
    assertTrue(file.getInstance() > dir.getInstance(), "instances grow");
    assertEquals(1, file.getContentGeneration());
    assertEquals(0, file.getLockGeneration());
    assertEquals(0, file.getAclGeneration());
    assertEquals(5, file.getContentLength());
    assertEquals(crc32c("hello"), file.getChecksum());
    assertEquals(h.nowMillis, file.getCtimeMillis());
    assertEquals(h.nowMillis, file.getMtimeMillis());
    assertEquals(0, file.getEphemeralOwner());
    assertEquals(h.ns.limits().lockDelayDefaultMillis(), file.getLockDelayMillis());
    assertEquals(1, h.ns.getStat("/app").getStat().getChildCount());
  }

  @Test
  void readsContentsStatAndChildren() {
    h.dir(s, "/d");
    h.file(s, "/d/b", "2");
    h.file(s, "/d/a", "1");
    h.dir(s, "/d/c");

    assertEquals("1", h.ns.getContentsAndStat("/d/a").getContents().toStringUtf8());
    assertEquals(List.of("a", "b", "c"), h.ns.listChildren("/d").getNamesList());
    assertEquals(List.of("d"), h.ns.listChildren("/").getNamesList());
    assertEquals(h.ns.appliedIndex(), h.ns.getStat("/d/a").getIndex());
    assertEquals(ByteString.EMPTY, h.ns.getContentsAndStat("/d").getContents());
  }

  @Test
  void readsRefuseBadPathsMissingNodesAndFilesAsDirectories() {
    h.file(s, "/f", "x");
    assertRefused(
        () -> h.ns.getStat("no-slash"),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
    assertRefused(
        () -> h.ns.getStat("/missing"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    assertRefused(
        () -> h.ns.getContentsAndStat("/missing"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    assertRefused(
        () -> h.ns.listChildren("/f"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_WRONG_NODE_KIND);
  }

  @Test
  void createRefusals() {
    h.file(s, "/f", "x");
    createFails(
        "/f",
        NodeKind.NODE_KIND_FILE,
        "",
        ErrorCode.ERROR_CODE_ALREADY_EXISTS,
        ErrorReason.ERROR_REASON_NODE_EXISTS);
    createFails(
        "/",
        NodeKind.NODE_KIND_DIRECTORY,
        "",
        ErrorCode.ERROR_CODE_ALREADY_EXISTS,
        ErrorReason.ERROR_REASON_NODE_EXISTS);
    createFails(
        "/no/child",
        NodeKind.NODE_KIND_FILE,
        "",
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_PARENT_NOT_FOUND);
    createFails(
        "/f/child",
        NodeKind.NODE_KIND_FILE,
        "",
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_WRONG_NODE_KIND);
    createFails(
        "/d",
        NodeKind.NODE_KIND_DIRECTORY,
        "data",
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    createFails(
        "/k",
        NodeKind.NODE_KIND_UNSPECIFIED,
        "",
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    createFails(
        "bad//path",
        NodeKind.NODE_KIND_FILE,
        "",
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
    createFails(
        "/a/../b",
        NodeKind.NODE_KIND_FILE,
        "",
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
    h.failsUnchanged(
        s,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath("/big")
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .setContents(ByteString.copyFrom(new byte[256 * 1024 + 1]))),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE);
    h.failsUnchanged(
        s,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath("/slow")
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .setLockDelayMillis(60_001)),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
  }

  @Test
  void contentOfExactlyTheLimitIsAccepted() {
    ok(
        h.client(
            s,
            b ->
                b.setCreateNode(
                    CreateNodeOp.newBuilder()
                        .setPath("/max")
                        .setKind(NodeKind.NODE_KIND_FILE)
                        .setContents(ByteString.copyFrom(new byte[256 * 1024])))));
  }

  @Test
  void limitsOnChildrenNodesAndTotalContent() {
    Harness small =
        new Harness(
            NamespaceLimits.builder()
                .maxChildrenPerDirectory(2)
                .maxNodes(3)
                .maxContentBytes(4)
                .maxTotalContentBytes(6)
                .build());
    long t = small.session();
    small.file(t, "/a", "1234");
    small.dir(t, "/d");
    limitFails(small, t, createOp("/c", ""), "maxChildrenPerDirectory=2");
    small.file(t, "/d/x", "");
    limitFails(small, t, createOp("/d/y", ""), "maxNodes=3");
    ok(small.delete(t, "/d/x"));
    limitFails(small, t, createOp("/d/y", "123"), "maxTotalContentBytes=6");
    small.file(t, "/d/y", "12");
    limitFails(
        small,
        t,
        b ->
            b.setSetContents(
                SetContentsOp.newBuilder()
                    .setPath("/d/y")
                    .setContents(ByteString.copyFromUtf8("123"))),
        "maxTotalContentBytes=6");
    ok(small.set(t, "/a", "1"));
    ok(small.set(t, "/d/y", "123"));
  }

  private static Consumer<NamespaceCommand.Builder> createOp(String path, String contents) {
    return b ->
        b.setCreateNode(
            CreateNodeOp.newBuilder()
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .setContents(ByteString.copyFromUtf8(contents)));
  }

  private static void limitFails(
      Harness harness, long session, Consumer<NamespaceCommand.Builder> op, String fragment) {
    String message =
        harness
            .failsUnchanged(
                session,
                op,
                ErrorCode.ERROR_CODE_RESOURCE_EXHAUSTED,
                ErrorReason.ERROR_REASON_LIMIT_REACHED)
            .getError()
            .getMessage();
    assertTrue(message.contains(fragment), message);
  }

  @Test
  void ephemeralNodeChildrenMustBeEphemeralOfTheSameSession() {
    long other = h.session();
    ok(h.create(s, "/e", NodeKind.NODE_KIND_DIRECTORY, true, ""));
    h.ephemeral(s, "/e/mine");
    h.failsUnchanged(
        s,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder().setPath("/e/perm").setKind(NodeKind.NODE_KIND_FILE)),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_NOT_ALLOWED);
    h.failsUnchanged(
        other,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath("/e/theirs")
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .setEphemeral(true)),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_NOT_ALLOWED);
    assertEquals(s, h.ns.getStat("/e/mine").getStat().getEphemeralOwner());
  }

  @Test
  void deleteRemovesAndNewCreationGetsNewInstance() {
    Stat first = h.file(s, "/f", "x");
    ok(h.delete(s, "/f"));
    assertRefused(
        () -> h.ns.getStat("/f"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    Stat second = h.file(s, "/f", "x");
    assertTrue(second.getInstance() > first.getInstance());
    assertEquals(0, h.ns.getStat("/").getStat().getChildCount() - 1);
  }

  @Test
  void deleteRefusals() {
    Stat f = h.file(s, "/f", "x");
    h.dir(s, "/d");
    h.file(s, "/d/child", "");
    h.file(s, "/locked", "");
    h.lock(s, "/locked", LockMode.LOCK_MODE_SHARED);

    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_NOT_ALLOWED);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/nope"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/d"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_DIRECTORY_NOT_EMPTY);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/f").setExpectedInstance(f.getInstance() + 1),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_GENERATION_MISMATCH);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/f").setExpectedContentGeneration(2),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_GENERATION_MISMATCH);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/locked"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_NODE_LOCKED);
    deleteFails(
        DeleteNodeOp.newBuilder().setPath("/x/"),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);

    ok(
        h.client(
            s,
            b ->
                b.setDeleteNode(
                    DeleteNodeOp.newBuilder()
                        .setPath("/f")
                        .setExpectedInstance(f.getInstance())
                        .setExpectedContentGeneration(1))));
    ok(h.release(s, "/locked"));
    ok(h.delete(s, "/locked"));
  }

  @Test
  void setContentsWritesAndCompareAndSets() {
    h.file(s, "/f", "v1");
    h.advance(7);
    Stat st = ok(h.set(s, "/f", "v2")).getStat();
    assertEquals(2, st.getContentGeneration());
    assertEquals(h.nowMillis, st.getMtimeMillis());
    assertTrue(st.getCtimeMillis() < st.getMtimeMillis());
    assertEquals(crc32c("v2"), st.getChecksum());

    Stat cas =
        ok(h.client(
                s,
                b ->
                    b.setSetContents(
                        SetContentsOp.newBuilder()
                            .setPath("/f")
                            .setContents(ByteString.copyFromUtf8("v3"))
                            .setExpectedContentGeneration(2))))
            .getStat();
    assertEquals(3, cas.getContentGeneration());
    assertEquals("v3", h.ns.getContentsAndStat("/f").getContents().toStringUtf8());
  }

  @Test
  void setContentsRefusals() {
    h.file(s, "/f", "v1");
    h.dir(s, "/d");
    setFails(
        SetContentsOp.newBuilder()
            .setPath("/f")
            .setContents(ByteString.copyFromUtf8("x"))
            .setExpectedContentGeneration(5),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_GENERATION_MISMATCH);
    setFails(
        SetContentsOp.newBuilder().setPath("/d").setContents(ByteString.copyFromUtf8("x")),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_WRONG_NODE_KIND);
    setFails(
        SetContentsOp.newBuilder().setPath("/missing"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
    setFails(
        SetContentsOp.newBuilder()
            .setPath("/f")
            .setContents(ByteString.copyFrom(new byte[256 * 1024 + 1])),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_CONTENT_TOO_LARGE);
    setFails(
        SetContentsOp.newBuilder().setPath("/f\u0007"),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_PATH);
  }

  private void createFails(
      String path, NodeKind kind, String contents, ErrorCode code, ErrorReason reason) {
    h.failsUnchanged(
        s,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath(path)
                    .setKind(kind)
                    .setContents(ByteString.copyFromUtf8(contents))),
        code,
        reason);
  }

  private void deleteFails(DeleteNodeOp.Builder op, ErrorCode code, ErrorReason reason) {
    h.failsUnchanged(s, b -> b.setDeleteNode(op), code, reason);
  }

  private void setFails(SetContentsOp.Builder op, ErrorCode code, ErrorReason reason) {
    h.failsUnchanged(s, b -> b.setSetContents(op), code, reason);
  }

  static void assertRefused(Runnable read, ErrorCode code, ErrorReason reason) {
    NamespaceException e = assertThrows(NamespaceException.class, read::run);
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
  }

  private static int crc32c(String s) {
    CRC32C crc = new CRC32C();
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }
}
