package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateNodeResponse;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.server.CoreHarness.Captured;
import org.junit.jupiter.api.Test;

/**
 * Sequence numbers from clients that do not follow the rules (issue: hardening, items 4 and 5): a
 * reused number is answered from the exactly-once record only for the request it belongs to, and a
 * number far ahead of the session's last is refused before it reaches the log.
 */
class SequenceNumbersTest {
  private final CoreHarness h = new CoreHarness(5_000);
  private final long s = h.createSession(10_000);

  @Test
  void aCloseReusingTheNumberOfACreateIsRefusedAndTheSessionStaysOpen() {
    CellServerTest.create(h, s, "/a");
    Captured<CloseSessionResponse> close = new Captured<>();
    h.server.closeSession("", CloseSessionRequest.newBuilder().setHeader(h.same(s)).build(), close);
    h.apply();
    ServerError refused = close.failed();
    assertEquals(ServerError.FAILED_PRECONDITION, refused.code());
    assertEquals(ErrorReason.ERROR_REASON_STALE_SEQUENCE, refused.reason());
    assertTrue(
        refused.message().contains("already used by a different request"), refused.message());
    assertEquals(1, h.server.trackedSessions(), "the leader still times the session");
    CellServerTest.create(h, s, "/b");
  }

  @Test
  void aRequestWithAnotherSessionsIdAndLastNumberGetsNoAnswerMeantForAnother() {
    CellServerTest.create(h, s, "/w");
    CellServerTest.watch(h, s, "/w"); // its answer has no body: an empty CreateNodeResponse
    Captured<CreateNodeResponse> forged = new Captured<>();
    h.server.createNode("", create("/forged", h.same(s)), forged);
    h.apply();
    assertEquals(ServerError.FAILED_PRECONDITION, forged.failed().code());
    assertEquals(java.util.List.of("w"), h.namespace.listChildren("/").getNamesList());
  }

  @Test
  void aNumberFarAheadIsRefusedBeforeTheLogAndTheOwnerCarriesOn() {
    CellServerTest.create(h, s, "/a");
    int proposed = h.replica.proposed.size();
    Captured<CreateNodeResponse> far = new Captured<>();
    RequestHeader wild = RequestHeader.newBuilder().setSessionId(s).setSequence(-1L).build();
    h.server.createNode("", create("/far", wild), far);
    ServerError refused = far.failed();
    assertEquals(ServerError.INVALID_ARGUMENT, refused.code());
    assertTrue(refused.message().contains("sequenceWindow"), refused.message());
    assertEquals(proposed, h.replica.proposed.size(), "nothing was proposed");
    assertEquals(1, h.namespace.getSession(s).getLastSequence());
    CellServerTest.create(h, s, "/b");
  }

  private static CreateNodeRequest create(String path, RequestHeader header) {
    return CreateNodeRequest.newBuilder()
        .setHeader(header)
        .setPath(path)
        .setKind(NodeKind.NODE_KIND_FILE)
        .build();
  }
}
