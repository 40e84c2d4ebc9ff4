package io.lockd.bench;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.it.CellClient;
import io.lockd.it.SessionKeeper;
import io.lockd.proto.v1.AcquireRequest;
import io.lockd.proto.v1.AcquireResponse;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.ReleaseRequest;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One application of the whole-stack benchmark: its own channels, session, KeepAlive stream and
 * lock.
 */
final class BenchClient implements AutoCloseable {
  private static final long KEEPALIVE_MILLIS = 500;

  final String name;
  final String path;
  final CellClient cell;
  final SessionKeeper keeper;
  final Samples samples = new Samples();
  final Samples done = new Samples();
  long sequence;
  volatile Throwable failure;

  BenchClient(Map<Integer, String> addresses, String name, String path) throws Exception {
    this.name = name;
    this.path = path;
    this.cell = new CellClient(addresses);
    CreateSessionRequest r = CreateSessionRequest.newBuilder().setClientName(name).build();
    long session =
        cell.call(
                ch ->
                    SessionGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                        .createSession(r),
                StackBenchmark.CALL_MILLIS)
            .getSessionId();
    this.keeper = new SessionKeeper(cell, session, KEEPALIVE_MILLIS, 3_600_000);
  }

  private RequestHeader header() {
    return RequestHeader.newBuilder()
        .setSessionId(keeper.sessionId)
        .setSequence(++sequence)
        .build();
  }

  private static LockGrpc.LockBlockingStub locks(Channel ch) {
    return LockGrpc.newBlockingStub(ch)
        .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS);
  }

  void create(String node, NodeKind kind) throws InterruptedException {
    CreateNodeRequest r =
        CreateNodeRequest.newBuilder().setHeader(header()).setPath(node).setKind(kind).build();
    try {
      cell.call(
          ch ->
              NodeGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                  .create(r),
          StackBenchmark.CALL_MILLIS);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  /** Creates a file holding {@code contents} (an existing one is left as it is). */
  void createFile(String node, ByteString contents) throws InterruptedException {
    CreateNodeRequest r =
        CreateNodeRequest.newBuilder()
            .setHeader(header())
            .setPath(node)
            .setKind(NodeKind.NODE_KIND_FILE)
            .setContents(contents)
            .build();
    try {
      cell.call(
          ch ->
              NodeGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                  .create(r),
          StackBenchmark.CALL_MILLIS);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  AcquireResponse acquire(long waitMillis) throws InterruptedException {
    AcquireRequest r =
        AcquireRequest.newBuilder()
            .setHeader(header())
            .setPath(path)
            .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
            .setWaitMillis(waitMillis)
            .build();
    AcquireResponse a = cell.call(ch -> locks(ch).acquire(r), StackBenchmark.CALL_MILLIS);
    if (waitMillis == 0 && !a.hasGranted()) {
      throw new IllegalStateException(name + ": own lock " + path + " not granted: " + a);
    }
    return a;
  }

  /** Acquires, waiting in the queue; the grant arrives on the KeepAlive stream. */
  void acquireWaiting(long endNanos) throws InterruptedException {
    AcquireResponse a = acquire(60_000);
    if (a.hasGranted()) {
      return;
    }
    long seq = sequence;
    long waitMillis =
        Math.max(
            StackBenchmark.CALL_MILLIS,
            TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime())
                + StackBenchmark.CALL_MILLIS);
    Event grant =
        keeper.awaitEvent(
            e -> e.getType() == EventType.EVENT_TYPE_LOCK_GRANTED && e.getRequestSequence() == seq,
            waitMillis);
    if (grant == null) {
      throw new IllegalStateException(name + ": no grant for acquire " + seq);
    }
  }

  void release() throws InterruptedException {
    ReleaseRequest r = ReleaseRequest.newBuilder().setHeader(header()).setPath(path).build();
    cell.call(ch -> locks(ch).release(r), StackBenchmark.CALL_MILLIS);
  }

  /** Closes the session (as an application that shuts down would), then the channels. */
  @Override
  public void close() {
    CloseSessionRequest r = CloseSessionRequest.newBuilder().setHeader(header()).build();
    try {
      cell.call(
          ch ->
              SessionGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                  .closeSession(r),
          StackBenchmark.CALL_MILLIS);
    } catch (StatusRuntimeException | AssertionError e) {
      if (!(e instanceof StatusRuntimeException s)
          || s.getStatus().getCode() != Status.Code.NOT_FOUND) {
        System.out.println(name + ": session not closed (it will expire): " + e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      keeper.close();
      cell.close();
    }
  }
}
