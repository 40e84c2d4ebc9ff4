package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths and client names are shown to people, so the cell refuses the characters that do not print
 * as themselves (controls, bidirectional overrides, zero-width and other format characters) and
 * paths that are not in NFC: INVALID_ARGUMENT naming the field, before anything is proposed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileTextTest {
  private InJvmCell cell;
  private LockdServer leader;
  private long session;
  private KeepAliveClient keepAlive;
  private final AtomicLong sequence = new AtomicLong();

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    cell = InJvmCell.builder().size(1).dataRoot(data).start();
    leader = cell.awaitLeader();
    session =
        sessions()
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setRequestedLeaseMillis(60_000)
                    .setClientName("ok")
                    .build())
            .getSessionId();
    keepAlive = new KeepAliveClient(cell.channel(leader), session);
  }

  @BeforeEach
  void keepTheSessionAlive() {
    keepAlive.keepAlive(0); // a refusal must be for the path, not for an expired session
  }

  @AfterAll
  void stop() {
    if (keepAlive != null) {
      keepAlive.close();
    }
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void aRightToLeftOverrideInAPath() throws Exception {
    refused(
        ErrorReason.ERROR_REASON_BAD_PATH,
        "U+202E at index 8 (a bidirectional control)",
        () -> create("/invoice\u202etxt.exe"));
  }

  @Test
  void aZeroWidthSpaceInAPath() throws Exception {
    refused(
        ErrorReason.ERROR_REASON_BAD_PATH,
        "U+200B at index 6 (an invisible format character)",
        () -> create("/admin\u200b"));
  }

  @Test
  void aPathNotInNfc() throws Exception {
    refused(
        ErrorReason.ERROR_REASON_BAD_PATH,
        "not in Unicode normalization form NFC",
        () -> create("/cafe\u0301"));
    refused(
        ErrorReason.ERROR_REASON_BAD_PATH,
        "not in Unicode normalization form NFC",
        () -> nodes().getStat(GetStatRequest.newBuilder().setPath("/cafe\u0301").build()));
  }

  @Test
  void controlCharactersInAClientName() throws Exception {
    for (String name : new String[] {"two\nlines", "red\u001b[31m", "nul\u0000", "csi\u009b"}) {
      refused(
          ErrorReason.ERROR_REASON_BAD_ARGUMENT,
          "client_name",
          () ->
              sessions()
                  .createSession(CreateSessionRequest.newBuilder().setClientName(name).build()));
    }
  }

  @Test
  void formatCharactersInAClientName() throws Exception {
    refused(
        ErrorReason.ERROR_REASON_BAD_ARGUMENT,
        "U+202E at index 5 (a bidirectional control)",
        () ->
            sessions()
                .createSession(
                    CreateSessionRequest.newBuilder().setClientName("admin\u202e").build()));
  }

  @Test
  void printableUnicodeIsWelcome() {
    String path = "/caf\u00e9-\u65e5\u672c-\uD83D\uDE00";
    assertEquals(
        path,
        nodes()
            .create(
                CreateNodeRequest.newBuilder()
                    .setHeader(header())
                    .setPath(path)
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .build())
            .getStat()
            .getPath());
  }

  private void refused(ErrorReason reason, String says, Executable call) throws Exception {
    long before = InJvmCell.appliedIndex(leader);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    String message = e.getStatus().getDescription();
    assertTrue(
        message != null && message.contains(says),
        () -> "message '" + message + "' should say '" + says + "'");
    ErrorDetail detail = e.getTrailers().get(GrpcErrors.ERROR_DETAIL);
    assertNotNull(detail);
    assertEquals(reason, detail.getReason());
    assertEquals(before, InJvmCell.appliedIndex(leader), "refused before anything was proposed");
  }

  private void create(String path) {
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header())
                .setPath(path)
                .setKind(NodeKind.NODE_KIND_FILE)
                .build());
  }

  private RequestHeader header() {
    return RequestHeader.newBuilder()
        .setSessionId(session)
        .setSequence(sequence.incrementAndGet())
        .build();
  }

  private NodeGrpc.NodeBlockingStub nodes() {
    return NodeGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private SessionGrpc.SessionBlockingStub sessions() {
    return SessionGrpc.newBlockingStub(cell.channel(leader))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }
}
