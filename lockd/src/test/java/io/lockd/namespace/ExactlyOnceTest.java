package io.lockd.namespace;

import static io.lockd.namespace.Harness.decode;
import static io.lockd.namespace.Harness.fails;
import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** (session, sequence) makes every client command apply at most once, retries included. */
class ExactlyOnceTest {
  private final Harness h = new Harness();
  private final long s = h.session();

  @Test
  void aRetryGetsTheRememberedAnswerWithoutApplyingAgain() {
    h.file(s, "/f", "v1");
    Consumer<NamespaceCommand.Builder> write =
        b ->
            b.setSetContents(
                SetContentsOp.newBuilder()
                    .setPath("/f")
                    .setContents(ByteString.copyFromUtf8("v2")));
    byte[] first = h.clientRaw(s, 10, write);
    h.advance(100);
    byte[] retry = h.clientRaw(s, 10, write);
    assertArrayEquals(first, retry);
    assertEquals(2, h.ns.getStat("/f").getStat().getContentGeneration());
    assertEquals(10, h.ns.getSession(s).getLastSequence());
  }

  @Test
  void aRefusalIsRememberedSoALateDuplicateCannotApplyAfterIt() {
    long other = h.session();
    h.file(other, "/taken", "");
    byte[] refused = h.clientRaw(s, 5, create("/taken"));
    fails(
        decode(refused), ErrorCode.ERROR_CODE_ALREADY_EXISTS, ErrorReason.ERROR_REASON_NODE_EXISTS);
    ok(h.delete(other, "/taken"));
    assertArrayEquals(
        refused, h.clientRaw(s, 5, create("/taken")), "the duplicate gets the refusal");
    NodeOpsTest.assertRefused(
        () -> h.ns.getStat("/taken"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
  }

  @Test
  void anOlderSequenceIsStaleAndChangesNothing() {
    ok(createAt(s, 7, "/a"));
    byte[] before = h.ns.snapshot();
    fails(
        h.client(s, 6, b -> b.setDeleteNode(DeleteNodeOp.newBuilder().setPath("/a"))),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    assertEquals(Harness.withoutBookkeeping(before), Harness.withoutBookkeeping(h.ns.snapshot()));
    assertEquals(
        7, h.ns.getSession(s).getLastSequence(), "a stale number does not replace the record");
    h.ns.getStat("/a");
  }

  @Test
  void gapsAreAllowedAndZeroIsRefused() {
    ok(createAt(s, 3, "/a"));
    ok(createAt(s, 9, "/b"));
    fails(
        createAt(s, 0, "/c"),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    fails(
        createAt(s, 4, "/c"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    assertEquals(9, h.ns.getSession(s).getLastSequence());
  }

  @Test
  void sequencesArePerSession() {
    long t = h.session();
    ok(createAt(s, 1, "/a"));
    ok(createAt(t, 1, "/b"));
    assertEquals(2, h.ns.listChildren("/").getNamesCount());
  }

  private NamespaceResult createAt(long session, long sequence, String path) {
    return h.client(session, sequence, create(path));
  }

  private static Consumer<NamespaceCommand.Builder> create(String path) {
    return b ->
        b.setCreateNode(CreateNodeOp.newBuilder().setPath(path).setKind(NodeKind.NODE_KIND_FILE));
  }
}
