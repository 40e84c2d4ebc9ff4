package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Bytes on the client port that are not a valid request (a string field that is not UTF-8, a
 * truncated or garbled message) are refused INVALID_ARGUMENT with a message naming the method and
 * the field, and cost at most a rate-limited line in the log: never gRPC's UNKNOWN "Application
 * error processing RPC" with a stack trace per request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnreadableRequestTest {
  private static final byte[] NOT_UTF8 = {'/', 'a', (byte) 0xff, (byte) 0xfe};

  private InJvmCell cell;
  private LockdServer leader;

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    cell = InJvmCell.builder().size(1).dataRoot(data).start();
    leader = cell.awaitLeader();
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void aPathThatIsNotUtf8() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> call(NodeGrpc.getGetStatMethod(), field(1, NOT_UTF8)));
    assertRefused(e, "lockd.v1.Node/GetStat", "field path is not valid UTF-8");
  }

  @Test
  void aNestedStringThatIsNotUtf8() {
    byte[] sequencer = field(1, NOT_UTF8); // Sequencer.path
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> call(LockGrpc.getCheckSequencerMethod(), field(1, sequencer)));
    assertRefused(e, "lockd.v1.Lock/CheckSequencer", "field sequencer.path is not valid UTF-8");
  }

  @Test
  void aClientNameThatIsNotUtf8() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> call(SessionGrpc.getCreateSessionMethod(), field(2, NOT_UTF8)));
    assertRefused(e, "lockd.v1.Session/CreateSession", "field client_name is not valid UTF-8");
  }

  @Test
  void aTruncatedMessage() {
    byte[] truncated = {0x0a, 0x05, '/', 'a'}; // path says 5 bytes, 2 follow
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> call(NodeGrpc.getGetStatMethod(), truncated));
    assertRefused(e, "lockd.v1.Node/GetStat", "field path is malformed");
  }

  @Test
  void bytesThatAreNotProtobufAtAll() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> call(NodeGrpc.getGetStatMethod(), new byte[] {0x00, 0x01, 0x02}));
    assertRefused(e, "lockd.v1.Node/GetStat", "are not a field");
  }

  @Test
  void anUnreadableCallOnACallsStreamEndsTheStreamSayingWhy() throws Exception {
    byte[] createNode = field(2, NOT_UTF8); // CreateNodeRequest.path
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(new byte[] {0x08, 0x07}); // call_id = 7
    request.write(field(4, createNode)); // create_node
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<byte[]> out =
        ClientCalls.asyncBidiStreamingCall(
            cell.channel(leader)
                .newCall(
                    raw(SessionGrpc.getCallsMethod()),
                    CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
            new StreamObserver<CallResponse>() {
              @Override
              public void onNext(CallResponse value) {}

              @Override
              public void onError(Throwable t) {
                ended.complete(t);
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    out.onNext(request.toByteArray());
    Throwable t = ended.get(30, TimeUnit.SECONDS);
    out.onCompleted();
    assertTrue(t instanceof StatusRuntimeException, String.valueOf(t));
    assertRefused(
        (StatusRuntimeException) t,
        "lockd.v1.Session/Calls",
        "field create_node.path is not valid UTF-8");
  }

  /** A client sending nothing but bad requests gets no stack trace logged, and few lines. */
  @Test
  void aFloodOfBadRequestsCannotFloodTheLog() throws Exception {
    ch.qos.logback.classic.Logger logback =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logback.addAppender(lines);
    List<LogRecord> grpcRecords = new ArrayList<>();
    Handler grpcLog =
        new Handler() {
          @Override
          public synchronized void publish(LogRecord r) {
            grpcRecords.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc");
    grpc.addHandler(grpcLog);
    long start = System.nanoTime();
    int requests = 200;
    try {
      for (int i = 0; i < requests; i++) {
        assertThrows(
            StatusRuntimeException.class,
            () -> call(NodeGrpc.getGetStatMethod(), field(1, NOT_UTF8)));
      }
    } finally {
      logback.detachAppender(lines);
      grpc.removeHandler(grpcLog);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    List<ILoggingEvent> refusals =
        lines.list.stream()
            .filter(e -> e.getLoggerName().equals(RefusalLog.class.getName()))
            .toList();
    assertTrue(
        refusals.size() <= 1 + elapsedMillis / RefusalLog.INTERVAL_MILLIS,
        refusals.size() + " lines for " + requests + " refusals in " + elapsedMillis + " ms");
    for (ILoggingEvent e : lines.list) {
      assertNull(e.getThrowableProxy(), "a stack trace was logged: " + e.getFormattedMessage());
    }
    for (ILoggingEvent e : refusals) {
      String line = e.getFormattedMessage();
      assertTrue(line.length() < 400 && line.indexOf('\n') < 0, line);
      assertTrue(line.contains("lockd.v1.Node/GetStat"), line);
    }
    synchronized (grpcLog) {
      assertTrue(
          grpcRecords.stream().noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue()),
          () -> "gRPC logged: " + grpcRecords.get(0).getMessage());
    }
    // Still serving.
    assertTrue(
        NodeGrpc.newBlockingStub(cell.channel(leader))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getStat(GetStatRequest.newBuilder().setPath("/").build())
            .hasStat());
  }

  @Test
  void theFirstRefusalIsLoggedAndLaterOnesAreCounted() {
    ch.qos.logback.classic.Logger logback =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(RefusalLog.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logback.addAppender(lines);
    long start = System.nanoTime();
    try {
      RefusalLog log = new RefusalLog(9);
      for (int i = 0; i < 1_000; i++) {
        log.refused("lockd.v1.Node/GetStat", "peer", "field path is not valid UTF-8");
      }
    } finally {
      logback.detachAppender(lines);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(lines.list.size() >= 1, "the first refusal is logged");
    assertTrue(
        lines.list.size() <= 1 + elapsedMillis / RefusalLog.INTERVAL_MILLIS,
        lines.list.size() + " lines");
    assertTrue(
        lines.list.get(0).getFormattedMessage().startsWith("replica 9: refused an unreadable"));
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static void assertRefused(StatusRuntimeException e, String method, String says) {
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    String message = e.getStatus().getDescription();
    assertTrue(
        message != null && message.contains(method) && message.contains(says),
        () -> "message '" + message + "' should name " + method + " and say '" + says + "'");
    ErrorDetail detail = e.getTrailers().get(GrpcErrors.ERROR_DETAIL);
    assertNotNull(detail, "lockd-error-detail-bin trailer");
    assertEquals(ErrorReason.ERROR_REASON_BAD_ARGUMENT, detail.getReason());
  }

  private <Q, A> A call(MethodDescriptor<Q, A> method, byte[] request) {
    return ClientCalls.blockingUnaryCall(
        cell.channel(leader),
        raw(method),
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
        request);
  }

  /** A length-delimited field: tag, length (under 128 bytes here), bytes. */
  private static byte[] field(int number, byte[] value) {
    byte[] out = new byte[value.length + 2];
    out[0] = (byte) (number << 3 | 2);
    out[1] = (byte) value.length;
    System.arraycopy(value, 0, out, 2, value.length);
    return out;
  }

  private static <Q, A> MethodDescriptor<byte[], A> raw(MethodDescriptor<Q, A> method) {
    return method.toBuilder(ParseGuard.RAW, method.getResponseMarshaller()).build();
  }
}
