package io.lockd.namespace;

import static io.lockd.namespace.Harness.decode;
import static io.lockd.namespace.Harness.fails;
import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.SessionRecord;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.WatchKind;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * (session, sequence) makes every client command apply at most once, retries included, and a
 * number's remembered answer goes only to the request it belongs to.
 */
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
  void aReusedNumberGetsTheRememberedAnswerOnlyForTheSameRequest() {
    byte[] created = h.clientRaw(s, 5, create("/a"));
    ok(decode(created));
    byte[] before = h.ns.snapshot();
    NamespaceResult other =
        fails(
            h.client(s, 5, b -> b.setDeleteNode(DeleteNodeOp.newBuilder().setPath("/a"))),
            ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
            ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    assertTrue(
        other.getError().getMessage().contains("already used by a different request"),
        other.getError().getMessage());
    assertEquals(Harness.withoutBookkeeping(before), Harness.withoutBookkeeping(h.ns.snapshot()));
    h.ns.getStat("/a");

    // The record still belongs to the request that was applied: its retry (from another leader,
    // later, with another acknowledged event index) is answered as before.
    h.advance(100);
    NamespaceCommand.Builder retry =
        NamespaceCommand.newBuilder().setHeader(h.header(s, 5).toBuilder().setAckedEventIndex(1));
    create("/a").accept(retry);
    assertArrayEquals(created, h.applyRaw(retry.build().toByteArray()));
  }

  @Test
  void aCloseWithTheNumberOfAnotherRequestLeavesTheSessionOpen() {
    ok(createAt(s, 50, "/a"));
    fails(
        h.client(s, 50, b -> b.setCloseSession(CloseSessionOp.getDefaultInstance())),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    assertEquals(50, h.ns.getSession(s).getLastSequence(), "the session is still open");
  }

  @Test
  void anotherSessionsLastNumberGetsNothingOfItsAnswer() {
    long t = h.session();
    ok(
        h.client(
            t,
            3,
            b ->
                b.setWatch(
                    WatchOp.newBuilder().setPath("/").setKind(WatchKind.WATCH_KIND_CHILDREN))));
    fails(
        createAt(t, 3, "/y"),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    NodeOpsTest.assertRefused(
        () -> h.ns.getStat("/y"),
        ErrorCode.ERROR_CODE_NOT_FOUND,
        ErrorReason.ERROR_REASON_NODE_NOT_FOUND);
  }

  @Test
  void aNumberFarAheadIsRefusedAndTheOwnerCarriesOn() {
    ok(createAt(s, 1, "/a"));
    byte[] before = h.ns.snapshot();
    NamespaceResult far =
        fails(
            createAt(s, -1L, "/b"),
            ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
            ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    assertTrue(far.getError().getMessage().contains("18446744073709551615"), far.toString());
    assertTrue(far.getError().getMessage().contains("sequenceWindow"), far.toString());
    Snapshot after = Harness.withoutBookkeeping(h.ns.snapshot());
    assertEquals(Harness.withoutBookkeeping(before), after);
    assertEquals(1, h.ns.getSession(s).getLastSequence(), "the refusal did not move the number");
    ok(createAt(s, 2, "/b"));
  }

  @Test
  void theWindowBoundsHowFarANumberMayJump() {
    Harness small = new Harness(NamespaceLimits.builder().sequenceWindow(10).build());
    long session = small.session();
    Consumer<NamespaceCommand.Builder> op =
        b -> b.setWatch(WatchOp.newBuilder().setPath("/").setKind(WatchKind.WATCH_KIND_CONTENTS));
    ok(small.client(session, 10, op));
    fails(
        small.client(session, 21, op),
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    ok(small.client(session, 20, op));
  }

  @Test
  void theRecordOfTheRequestSurvivesASnapshot() {
    byte[] created = h.clientRaw(s, 4, create("/a"));
    Harness twin = new Harness();
    twin.ns.restore(h.ns.snapshot());
    twin.slot = h.slot;
    assertArrayEquals(created, twin.clientRaw(s, 4, create("/a")));
    fails(
        twin.client(s, 4, create("/b")),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
  }

  @Test
  void aFormatOneSnapshotIsStillReadAndItsRecordsAnswerAsBefore() throws Exception {
    byte[] created = h.clientRaw(s, 4, create("/a"));
    Snapshot.Builder old = Snapshot.parseFrom(h.ns.snapshot()).toBuilder().setFormatVersion(1);
    old.getLimitsBuilder().clearSequenceWindow();
    old.getSessionsBuilderList().forEach(SessionRecord.Builder::clearLastRequestFingerprint);
    Harness twin = new Harness();
    twin.ns.restore(old.build().toByteArray());
    twin.slot = h.slot;
    // A format-1 record has no fingerprint to compare: it answers the number as it always did.
    assertArrayEquals(created, twin.clientRaw(s, 4, create("/b")));
    ok(twin.client(s, 5, create("/b")));
    fails(
        twin.client(s, 5, create("/c")),
        ErrorCode.ERROR_CODE_FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_STALE_SEQUENCE);
    assertEquals(3, Snapshot.parseFrom(twin.ns.snapshot()).getFormatVersion());
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
